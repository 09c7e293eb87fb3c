"""Throughput with 1 and 2 `liasse worker` processes, and crash safety (issue 15).

    uv run python bench/scale.py [--docs 2000] [--seed 5] [--skip-kill]

Starts its own PostgreSQL (`scripts/pg.sh`, a throwaway cluster on a loopback port), the
Dropbox emulator and the Qonto sandbox on loopback (in this process, so their states can be
counted), generates `--docs` born-digital PDFs (`liasse.samples.corpus`, no scans) and
uploads them into the Dropbox emulator. Each run gets a new database, home, Dropbox and
Qonto: Dropbox and Qonto are connected as a user would (`liasse connect …`'s functions),
the workers are started and ready, then one Dropbox window job is queued and the clock
runs until every document rests (posted, in review, refused…) and no job waits.

Prints documents/s with 1 and with 2 workers and their ratio (target >= 1.7 on 2 cores),
the one-worker pipeline as a share of `liasse extract` on the same files in one process
(target >= 60 %; also on one core each, like for like), and a 2-worker run in which a
worker is SIGKILLed three times (and started again) that prints `lost N duplicated M`:
documents missing in Qonto (uploaded but never read, approved but never posted, or posted
with an id Qonto does not have) and documents posted twice (target 0 and 0).

Worker N runs on core N (`os.sched_setaffinity`, inherited by its reader children), as a
worker given one core of a host: a worker left on every core reads with a child per core
and already keeps 1.3 of the 2 cores busy alone, so a second one could add at most 0.7.
`--no-pin` leaves them on every core. `cores busy` is the CPU of workers, PostgreSQL and
emulators over the run's wall time: the machine is shared, so CPU ms a document are the
figures to compare between runs.

Routing thresholds are set to 0 so that every readable invoice is posted: the bench
measures the whole path to Qonto, not the reader's confidence. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import ColumnElement, create_engine, func, literal_column, select, text

from liasse.app import connections
from liasse.app.jobs.queue import defer_window, make_defer_app
from liasse.app.services import Services, open_services
from liasse.app.settings import load_settings
from liasse.app.setup import initialise
from liasse.emulators.dropbox.serve import running_emulator
from liasse.emulators.dropbox.state import DropboxState
from liasse.emulators.qonto.app import create_app
from liasse.emulators.qonto.embedded import serve_in_thread
from liasse.emulators.qonto.seed import demo_state
from liasse.emulators.qonto.state import QontoState
from liasse.samples.corpus import CorpusDocument, generate
from liasse.store.tables import Document

REPO = Path(__file__).resolve().parents[1]
TOKEN = "scale-token"
API_KEY = "atelier-liasse:scale-secret"
FOLDER = "/Invoices"
# Documents still on their way (a step has work to do on them). An approved receipt is
# never posted: it waits for the bank line that paid it, so it rests too.
MOVING = ("discovered", "fetched", "extracted", "enriched")
TIMEOUT_SECONDS = 3600.0
CLUSTER: Path | None = None  # the bench's PostgreSQL cluster, while it runs


@dataclass
class Outcome:
    seconds: float
    documents: int
    states: Counter[str]
    lost: int
    duplicated: int
    # CPU seconds spent during the timed part, by who spent them (workers with their
    # reader children, PostgreSQL, this process: the emulators).
    cpu: dict[str, float]

    @property
    def rate(self) -> float:
        return self.documents / self.seconds


@contextmanager
def postgresql(statements: bool = False) -> Iterator[str]:
    """A throwaway cluster (the one `make test` uses), stopped whatever happens;
    `statements`: with pg_stat_statements (for `--pg-statements`)."""
    global CLUSTER
    folder = Path(tempfile.mkdtemp(prefix="liasse-scale-pg-"))
    folder.chmod(0o755)  # the cluster runs as `postgres`, which must reach its folder
    port = str(56000 + os.getpid() % 1000)
    url = subprocess.run([str(REPO / "scripts/pg.sh"), "start", str(folder / "pg"), port],
                         check=True, capture_output=True, text=True).stdout.strip()
    CLUSTER = folder / "pg"
    try:
        if statements:
            track_statements(CLUSTER)
        yield url
    finally:
        CLUSTER = None
        subprocess.run([str(REPO / "scripts/pg.sh"), "stop", str(folder / "pg")], check=False)


def track_statements(cluster: Path) -> None:
    """Load pg_stat_statements (a restart: it is a preloaded library)."""
    with (cluster / "data" / "postgresql.conf").open("a", encoding="utf-8") as conf:
        conf.write("shared_preload_libraries = 'pg_stat_statements'\n"
                   "pg_stat_statements.track_planning = on\n")
    pg_ctl = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1]
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    # The server's output to its log: a pipe kept open by it would never end the call.
    subprocess.run([*as_postgres, str(pg_ctl), "-D", str(cluster / "data"), "-l",
                    str(cluster / "log"), "-w", "restart"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def write_statements(database_url: str, out: Path) -> None:
    """The database's statements by time spent (planning and execution), costliest first."""
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
        rows = connection.execute(text(
            "SELECT calls, round((total_plan_time + total_exec_time)::numeric, 1) AS ms, "
            "rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 160) FROM "
            "pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = "
            "current_database()) ORDER BY 2 DESC LIMIT 60")).all()
    engine.dispose()
    out.write_text("".join(f"{calls}\t{ms}\t{count}\t{query}\n"
                           for calls, ms, count, query in rows), encoding="utf-8")


def new_database(admin_url: str) -> str:
    name = f"liasse_scale_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def born_digital(count: int, seed: int) -> list[CorpusDocument]:
    documents = [d for d in generate(count * 2, seed=seed, scans=False) if d.suffix == ".pdf"]
    return documents[:count]


def file_name(index: int, document: CorpusDocument) -> str:
    return f"{index:05d}-{Path(document.name).stem}.pdf"  # unique: Qonto's copies are told apart


class Run:
    """One run: its own database, home, emulators and worker processes."""

    def __init__(self, admin_url: str, documents: list[CorpusDocument],
                 profile: Path | None = None, concurrency: int = 1,
                 script: str = "scripts/profile_worker.py", pin: bool = True) -> None:
        self.documents = documents
        self.pin = pin
        self.profile = profile
        self.by_name = False  # one profile file a worker (set for runs of several)
        self.script = script
        self.concurrency = concurrency
        self.home = Path(tempfile.mkdtemp(prefix="liasse-scale-home-"))
        self.env = {
            **os.environ,
            "OMP_NUM_THREADS": "1",
            "LIASSE_HOME": str(self.home),
            "LIASSE_DATABASE_URL": new_database(admin_url),
            "LIASSE_QONTO__MODE": "off",
            "LIASSE_ROUTING__REVIEW_FROM": "0",
            "LIASSE_ROUTING__APPROVE_FROM": "0",
            "LIASSE_JOBS__HEARTBEAT_SECONDS": "1",
            "LIASSE_JOBS__STALLED_SECONDS": "5",
            "LIASSE_JOBS__RECOVER_EVERY_SECONDS": "2",
        }
        self.workers: dict[str, subprocess.Popen[bytes]] = {}

    def start_worker(self, name: str, core: int) -> None:
        log = (self.home / f"{name}.log").open("ab")
        # `--profile`: the worker's jobs run under cProfile (`--timings`: timers and
        # statement counts), written when it stops.
        # With `--workers 2`, each worker's file is OUT with its name: OUT.w0, OUT.w1.
        out = self.profile
        if out is not None and self.by_name:
            out = out.with_name(f"{out.name}.{name}")
        command = [str(REPO / self.script), str(out)] if out else ["-m", "liasse"]
        self.workers[name] = subprocess.Popen(
            [sys.executable, *command, "worker", "--name", name,
             "--concurrency", str(self.concurrency)],
            stdout=log, stderr=subprocess.STDOUT, env=self.env,
            preexec_fn=on_core(core) if self.pin else None)

    def wait_ready(self, name: str) -> None:
        log = self.home / f"{name}.log"
        wait(lambda: log.exists() and "runs jobs" in log.read_text(errors="replace"), 120)

    def stop(self) -> None:
        for process in self.workers.values():
            if process.poll() is None:
                process.terminate()
        for process in self.workers.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def on_core(core: int) -> Callable[[], None]:
    """What a child runs before its program: it and every process it starts (a worker's
    reader children) run on this one core only, as a worker given one core of a host."""
    cores = sorted(os.sched_getaffinity(0))
    return lambda: os.sched_setaffinity(0, {cores[core % len(cores)]})


def wait(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise TimeoutError("the run did not settle in time")


TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds of the process and of its children it has waited for)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), sum(int(value) for value in fields[11:15]) / TICKS


def tree_cpu(roots: list[int]) -> float:
    """CPU seconds of these processes and of every live descendant (Linux /proc): the
    machine is shared, so CPU time, not wall time, says what a document costs."""
    stats = {int(entry.name): _stat(int(entry.name)) for entry in Path("/proc").iterdir()
             if entry.name.isdigit()}
    children: dict[int, list[int]] = {}
    for pid, stat in stats.items():
        if stat is not None:
            children.setdefault(stat[0], []).append(pid)
    total, todo, seen = 0.0, list(roots), set()
    while todo:
        pid = todo.pop()
        stat = stats.get(pid)
        if pid in seen or stat is None:
            continue
        seen.add(pid)
        total += stat[1]
        todo.extend(children.get(pid, []))
    return total


def postmaster_pid(cluster: Path) -> int:
    return int((cluster / "data" / "postmaster.pid").read_text().split()[0])


def cpu_now(run: Run) -> dict[str, float]:
    own = os.times()
    pids = [p.pid for p in run.workers.values()]
    workers = tree_cpu(pids)
    # What the workers spent outside their reader children (which do the reading).
    alone = sum(stat[1] for pid in pids if (stat := _stat(pid)) is not None)
    return {"workers": workers, "of which reader children": workers - alone,
            "postgresql": tree_cpu([postmaster_pid(CLUSTER)]) if CLUSTER else 0.0,
            "emulators": own.user + own.system}


def cpu_spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: after[name] - before[name] for name in before}


def settled(services: Services, count: int) -> bool:
    # One statement five times a second: the bench's own polling is PostgreSQL's CPU and
    # this process's (counted as the emulators') during the timed part.
    jobs = literal_column("(SELECT count(*) FROM procrastinate_jobs WHERE status IN "
                          "('todo', 'doing') AND task_name <> 'liasse:retry_stalled')")
    with services.sessions.begin() as session:
        documents, moving, waiting = session.execute(select(
            func.count(), func.count().filter(Document.state.in_(MOVING) | unposted_invoice()),
            jobs).select_from(Document)).one()
    return int(documents) == count and int(moving) == 0 and int(waiting) == 0


def unposted_invoice() -> ColumnElement[bool]:
    return (Document.state == "approved") & (Document.document_type != "receipt")


def read_documents(services: Services) -> int:
    with services.sessions.begin() as session:
        return int(session.scalar(select(func.count()).select_from(Document).where(
            Document.state.not_in(("discovered", "fetched")))) or 0)


def outcome(services: Services, bank: QontoState, count: int, seconds: float) -> Outcome:
    with services.sessions.begin() as session:
        rows = session.execute(select(Document.state, Document.qonto_invoice_id)).all()
        unposted = int(session.scalar(select(func.count()).select_from(Document).where(
            unposted_invoice())) or 0)
    in_qonto = Counter(invoice.file_name for invoice in bank.supplier_invoices.values())
    states = Counter(state for state, _ in rows)
    missing = sum(1 for _, invoice_id in rows
                  if invoice_id is not None and invoice_id not in bank.supplier_invoices)
    lost = (count - len(rows)) + unposted + missing
    duplicated = sum(times - 1 for times in in_qonto.values() if times > 1)
    return Outcome(seconds, count, states, lost, duplicated, {})


def pipeline_run(admin_url: str, documents: list[CorpusDocument], workers: int, *,
                 kills: int = 0, profile: Path | None = None, concurrency: int = 1,
                 script: str = "scripts/profile_worker.py", pin: bool = True,
                 statements: Path | None = None) -> Outcome:
    run = Run(admin_url, documents, profile, concurrency, script, pin)
    run.by_name = workers > 1
    dropbox = DropboxState(token=TOKEN)
    dropbox.create_folder(FOLDER)
    for index, document in enumerate(documents):
        dropbox.put_file(f"{FOLDER}/{file_name(index, document)}", document.data)
    bank = demo_state()
    login, _, secret = API_KEY.partition(":")
    bank.api_keys = {login: secret}
    server, port = serve_in_thread(create_app(bank), "127.0.0.1", 0)
    try:
        with running_emulator(dropbox) as dropbox_url:
            run.env["LIASSE_DROPBOX__BASE_URL"] = dropbox_url
            os.environ.update(run.env)
            settings = load_settings()
            initialise(settings)
            services = open_services(settings)
            try:
                result = _timed(run, services, bank, workers, kills, port)
                if statements is not None:
                    write_statements(run.env["LIASSE_DATABASE_URL"], statements)
                return result
            finally:
                services.close()
                run.stop()
    finally:
        server.should_exit = True


def _timed(run: Run, services: Services, bank: QontoState, workers: int, kills: int,
           port: int) -> Outcome:
    dropbox_id = connections.connect_dropbox_with_token(
        services, connections.DropboxTarget("dropbox", FOLDER), TOKEN)
    connections.connect_qonto_api_key(services, API_KEY, base_url=f"http://127.0.0.1:{port}",
                                      emulator=True)
    names = [f"w{index}" for index in range(workers)]
    for core, name in enumerate(names):
        run.start_worker(name, core)
    for name in names:
        run.wait_ready(name)
    app = make_defer_app(services)
    count = len(run.documents)
    began = time.perf_counter()
    cpu_before = cpu_now(run)
    with services.sessions.begin() as session:
        defer_window(session, app, services.settings.workspace, dropbox_id, force=True)
    for kill in range(kills):
        # Kill while documents are being read: at 20 %, 40 % and 60 % of them.
        share = count * (kill + 1) // (kills + 2)
        wait(lambda share=share: read_documents(services) >= share,  # type: ignore[misc]
             TIMEOUT_SECONDS)
        victim = run.workers[names[-1]]
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        print(f"  killed worker {names[-1]} at {read_documents(services)} read", flush=True)
        run.start_worker(names[-1], len(names) - 1)
    wait(lambda: settled(services, count), TIMEOUT_SECONDS)
    seconds = time.perf_counter() - began
    # A killed worker's CPU goes with it: the SIGKILL run has no CPU figure.
    spent = cpu_spent(cpu_before, cpu_now(run)) if not kills else {}
    result = outcome(services, bank, count, seconds)
    result.cpu = spent
    return result


def extract_alone(documents: list[CorpusDocument], core: int | None = None
                  ) -> tuple[float, float]:
    """`liasse extract` on the same files, one process: files/s and CPU seconds a file
    (with its reader children), its start-up left out; on one core when `core` is given
    (its reader children share it), else on every core."""
    folder = Path(tempfile.mkdtemp(prefix="liasse-scale-files-"))
    paths = []
    for index, document in enumerate(documents):
        path = folder / file_name(index, document)
        path.write_bytes(document.data)
        paths.append(str(path))
    env = {**os.environ, "OMP_NUM_THREADS": "1",
           "LIASSE_HOME": tempfile.mkdtemp(prefix="liasse-scale-extract-")}

    def seconds(files: list[str]) -> tuple[float, float]:
        began, cpu = time.perf_counter(), children_cpu()
        subprocess.run([sys.executable, "-m", "liasse", "extract", "--json", *files],
                       check=True, env=env, stdout=subprocess.DEVNULL,
                       preexec_fn=on_core(core) if core is not None else None)
        return time.perf_counter() - began, children_cpu() - cpu

    startup, startup_cpu = seconds(paths[:1])
    wall, cpu = seconds(paths)
    return (len(paths) - 1) / max(wall - startup, 1e-9), (cpu - startup_cpu) / (len(paths) - 1)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def describe(label: str, result: Outcome) -> None:
    states = ", ".join(f"{state} {n}" for state, n in sorted(result.states.items()))
    print(f"{label}: {result.documents} documents in {result.seconds:.1f} s = "
          f"{result.rate:.1f} documents/s ({states})", flush=True)
    if result.cpu:
        shares = ", ".join(f"{name} {seconds * 1000 / result.documents:.1f}"
                           for name, seconds in result.cpu.items())
        busy = cores_busy(total_cpu(result.cpu) / result.seconds)
        print(f"  CPU ms a document: {shares} ({busy} cores busy); load average {load()}",
              flush=True)


def total_cpu(cpu: dict[str, float]) -> float:
    return sum(seconds for name, seconds in cpu.items() if not name.startswith("of which"))


def cores_busy(cpu_seconds_a_second: float) -> str:
    return f"{cpu_seconds_a_second:.2f}"


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--skip-kill", action="store_true")
    parser.add_argument("--concurrency", type=int, default=1,
                        help="jobs each worker runs at once (`liasse worker --concurrency`)")
    parser.add_argument("--profile", type=Path, help="cProfile the one worker into this file "
                        "and stop after its run")
    parser.add_argument("--timings", type=Path, help="the one worker's job and step times "
                        "and SQL statements per job kind into this JSON file "
                        "(scripts/time_worker.py, no profiler), and stop after its run")
    parser.add_argument("--workers", type=int, choices=(1, 2), default=1,
                        help="with --profile or --timings: profile this many workers (2: "
                        "each into OUT.w0 and OUT.w1)")
    parser.add_argument("--pg-statements", type=Path, help="the one-worker run's SQL "
                        "statements by PostgreSQL time (pg_stat_statements) into this file")
    parser.add_argument("--no-pin", action="store_true", help="workers on every core (by "
                        "default worker N runs on core N, its reader children with it)")
    args = parser.parse_args()
    script = "scripts/profile_worker.py"
    if args.timings:
        args.profile, script = args.timings, "scripts/time_worker.py"
    # A SIGTERM (or the end of a `timeout`) still stops the workers and the cluster.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    documents = born_digital(args.docs, args.seed)
    pin = not args.no_pin
    alone, alone_cpu = (0.0, 0.0) if args.profile else extract_alone(documents)
    print(f"liasse extract, one process: {alone:.1f} files/s, CPU {alone_cpu * 1000:.1f} ms "
          f"a file ({cores_busy(alone * alone_cpu)} cores busy); load average "
          f"{load()}", flush=True)
    on_one, on_one_cpu = (0.0, 0.0) if args.profile else extract_alone(documents, core=0)
    if on_one:
        print(f"liasse extract on one core: {on_one:.1f} files/s, CPU "
              f"{on_one_cpu * 1000:.1f} ms a file", flush=True)
    with postgresql(statements=args.pg_statements is not None) as admin_url:
        one = pipeline_run(admin_url, documents, args.workers, profile=args.profile,
                           concurrency=args.concurrency, script=script, pin=pin,
                           statements=args.pg_statements)
        describe("1 worker" + (" (on one core)" if pin else "") if args.workers == 1
                 else "2 workers" + (" (one core each)" if pin else ""), one)
        if args.profile:
            return
        two = pipeline_run(admin_url, documents, 2, concurrency=args.concurrency, pin=pin)
        describe("2 workers" + (" (one core each)" if pin else ""), two)
        print(f"ratio 2/1: {two.rate / one.rate:.2f} (target >= 1.7)")
        print(f"1 worker / liasse extract: {one.rate / alone:.0%} (target >= 60 %); on one "
              f"core each: {one.rate / on_one:.0%}")
        if one.cpu and alone_cpu:
            print(f"CPU a document, liasse extract / 1 worker's processes: "
                  f"{alone_cpu * one.documents / one.cpu['workers']:.0%}; / everything "
                  f"(workers, PostgreSQL, emulators): "
                  f"{alone_cpu * one.documents / total_cpu(one.cpu):.0%}")
        for label, result in (("1 worker", one), ("2 workers", two)):
            print(f"{label}: lost {result.lost} duplicated {result.duplicated}")
        if not args.skip_kill:
            killed = pipeline_run(admin_url, documents, 2, kills=3,
                                  concurrency=args.concurrency, pin=pin)
            describe("2 workers, one SIGKILLed 3 times", killed)
            print(f"SIGKILL run: lost {killed.lost} duplicated {killed.duplicated}")


if __name__ == "__main__":
    main()
