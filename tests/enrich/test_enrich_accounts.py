"""Ledger accounts: rule > supplier history > classifier > keywords, each saying so."""

from __future__ import annotations

from liasse.domain.pcg import label_of, pcg_accounts
from liasse.domain.suppliers import Posting, Supplier, SupplierRule
from liasse.enrich.accounts import suggest_account
from liasse.enrich.classifier import AccountClassifier, _features

TELECOM = Supplier("tel", "Fibre Ouest Télécom")


def test_the_chart_ships_with_french_and_english_labels() -> None:
    accounts = pcg_accounts()
    for number in ("6132", "6064", "6226", "6251", "626", "6278", "6511"):
        assert accounts[number].label_fr and accounts[number].label_en
    assert label_of("6132", "fr") == "Locations immobilières"
    assert label_of("9999") == "9999"


def test_supplier_rule_comes_first() -> None:
    ruled = Supplier("s", "Cowork", rule=SupplierRule(ledger_account="6132"))
    found = suggest_account("logiciel saas", ruled, [Posting("s", "x", "6511")] * 5)
    assert (found.account, found.source) == ("6132", "supplier_rule")
    assert "rule for Cowork" in found.reasons[0]


def test_supplier_history_needs_three_postings_and_eighty_percent() -> None:
    history = [Posting("tel", "abonnement", "626")] * 4 + [Posting("tel", "x", "6063")]
    found = suggest_account("anything", TELECOM, history)
    assert (found.account, found.source) == ("626", "supplier_history")
    assert "4 of 5" in found.reasons[0] and "80%" in found.reasons[0]
    split = [Posting("tel", "a", "626")] * 2 + [Posting("tel", "b", "6063")] * 2
    assert suggest_account("zzz", TELECOM, split).source == "none"
    too_few = [Posting("tel", "a", "626")] * 2
    assert suggest_account("zzz", TELECOM, too_few).source == "none"


HISTORY = (
    [Posting(f"s{i}", f"Billet de train Paris Lyon {i}", "6251") for i in range(6)]
    + [Posting(f"t{i}", f"Abonnement logiciel SaaS licence mensuelle {i}", "6511")
       for i in range(6)]
    + [Posting(f"u{i}", f"Honoraires avocat revue contrat {i}", "6226") for i in range(6)]
)


def test_classifier_learns_the_workspace_and_gives_a_top_three() -> None:
    classifier = AccountClassifier.train(HISTORY)
    assert classifier is not None
    top = classifier.top("licence logiciel annuelle", None)
    assert len(top) == 3 and top[0].account == "6511"
    assert top[0].probability > top[1].probability
    found = suggest_account("licence logiciel annuelle", None, HISTORY, classifier)
    assert found.source == "classifier" and found.account == "6511"
    assert "learnt from this workspace" in found.reasons[0]
    assert len(found.alternatives) == 3


def test_classifier_scores_as_scikit_learn_does() -> None:
    # `top` scores one text from the fitted parts, not through scikit-learn's pipeline
    # call (ten times its cost): the probabilities must be the pipeline's own.
    two_accounts = [p for p in HISTORY if p.account != "6226"]
    page = " ".join(["Facture n° 2024-117 à Billet de train\tTGV Paris  Lyon 1re classe"] * 40)
    for history in (HISTORY, two_accounts):
        classifier = AccountClassifier.train(history)
        assert classifier is not None
        accounts = len({posting.account for posting in history})
        for text, supplier in (("licence logiciel annuelle", None), (page, "s1"),
                               ("zzz qqq", None), ("", "u2")):
            ours = {g.account: g.probability for g in classifier.top(text, supplier, accounts)}
            theirs = classifier._model.predict_proba(  # type: ignore[attr-defined]
                [_features(text, supplier)])[0]
            for account, probability in zip(classifier._accounts, theirs, strict=True):
                assert abs(ours[account] - probability) < 1e-9


def test_classifier_refuses_too_little_history() -> None:
    assert AccountClassifier.train(HISTORY[:3]) is None
    assert AccountClassifier.train([Posting(None, f"x {i}", "626") for i in range(20)]) is None


def test_unsure_classifier_falls_back_to_keywords_and_says_why() -> None:
    classifier = AccountClassifier.train(HISTORY)
    assert classifier is not None
    found = suggest_account("Facture restaurant déjeuner client", None, HISTORY, classifier)
    assert found.source == "keywords" and found.account == "6257"
    assert "keyword 'restaurant'" in found.reasons[0] or "keyword 'dejeuner'" in found.reasons[0]
    assert any("classifier was unsure" in reason for reason in found.reasons)


def test_keywords_prefer_the_most_specific_and_admit_ignorance() -> None:
    assert suggest_account("Ramettes papier A4", None, []).account == "6064"
    assert suggest_account("Frais bancaires trimestre", None, []).account == "6278"
    nothing = suggest_account("zzzz qqqq", None, [])
    assert nothing.account is None and nothing.source == "none"


def test_a_classifier_loaded_from_its_bytes_suggests_exactly_the_same() -> None:
    """Workers share a fitted classifier through the store (no pickle: NumPy arrays):
    the one loaded gives the same accounts with the same probabilities, to the bit."""
    two_accounts = [p for p in HISTORY if p.account in {"6511", "6226"}]
    page = " ".join(["Facture n° 2024-117 à Billet de train\tTGV Paris  Lyon 1re classe"] * 40)
    for history in (HISTORY, two_accounts):
        fitted = AccountClassifier.train(history)
        assert fitted is not None
        loaded = AccountClassifier.from_bytes(fitted.to_bytes())
        for text, supplier in (("licence logiciel annuelle", None), (page, "s1"),
                               ("zzz qqq", None), ("", "u2"), *((p.text, p.supplier_id)
                                                                for p in history)):
            assert loaded.top(text, supplier, 5) == fitted.top(text, supplier, 5)
