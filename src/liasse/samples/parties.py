"""Fictitious companies with checksummed identifiers (SIREN, SIRET, VAT, IBAN), drawn from a seed.

Every identifier is computed with python-stdnum's check-digit functions, so "valid" means
what a real validator says; `corrupt_digit` makes the deliberately invalid ones.
"""

from __future__ import annotations

import random
import re
import unicodedata

from stdnum import iban as stdnum_iban
from stdnum import luhn
from stdnum.gb import vat as gb_vat
from stdnum.iso7064 import mod_11_10

from liasse.domain.identifiers import vat_from_siren
from liasse.samples.spec import Party

FRENCH_TRADES = ("Atelier", "Boulangerie", "Cabinet", "Imprimerie", "Transports", "Garage",
                 "Studio", "Conseil", "Menuiserie", "Agence", "Laboratoire", "Librairie",
                 "Traiteur", "Plomberie", "Informatique")
FRENCH_NAMES = ("Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent", "Garnier",
                "Faure", "Rousseau", "Blanc", "Mercier", "Chevalier", "Fontaine", "Roussel",
                "Girard", "Bonnet", "Lambert", "Perrin", "Morel", "Gauthier")
FRENCH_FORMS = ("SAS", "SARL", "SA", "EURL", "SASU")
FRENCH_STREETS = ("rue de la République", "avenue Jean Jaurès", "boulevard Voltaire",
                  "rue des Lilas", "place du Marché", "chemin des Vignes", "rue Victor Hugo",
                  "quai de la Loire", "allée des Tilleuls", "route de Lyon")
FRENCH_CITIES = (("75011", "Paris"), ("69003", "Lyon"), ("13001", "Marseille"),
                 ("31000", "Toulouse"), ("44000", "Nantes"), ("33000", "Bordeaux"),
                 ("59000", "Lille"), ("67000", "Strasbourg"), ("35000", "Rennes"),
                 ("06000", "Nice"))
GERMAN_NAMES = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Hoffmann",
                "Wagner", "Koch", "Richter")
GERMAN_TRADES = ("Technik", "Druck", "Logistik", "Software", "Bürobedarf", "Consulting")
GERMAN_FORMS = ("GmbH", "KG", "AG", "GmbH & Co. KG")
GERMAN_STREETS = ("Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schillerstraße", "Lindenallee")
GERMAN_CITIES = (("10115", "Berlin"), ("80331", "München"), ("20095", "Hamburg"),
                 ("50667", "Köln"), ("60311", "Frankfurt am Main"))
ENGLISH_WORDS = ("Brightwater", "Oakfield", "Northgate", "Silverline", "Redbrook", "Kingsway",
                 "Bluepeak", "Greenhill", "Ironbridge", "Westmoor")
ENGLISH_TRADES = ("Consulting", "Software", "Supplies", "Media", "Analytics", "Hosting")
UK_CITIES = (("EC1A 1BB", "London"), ("M1 1AE", "Manchester"), ("B1 1AA", "Birmingham"))
US_CITIES = (("CA 94105", "San Francisco"), ("NY 10001", "New York"), ("WA 98101", "Seattle"))
WEBMAIL = ("gmail.com", "orange.fr", "hotmail.fr", "yahoo.fr", "outlook.com")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def make_siren(rng: random.Random) -> str:
    body = rng.choice("123456789") + digits(rng, 7)
    return body + luhn.calc_check_digit(body)


def make_siret(siren: str, rng: random.Random) -> str:
    body = siren + "0" + digits(rng, 3)
    return body + luhn.calc_check_digit(body)


def make_french_iban(rng: random.Random) -> str:
    bank, branch, account = digits(rng, 5), digits(rng, 5), digits(rng, 11)
    rib_key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
    bban = f"{bank}{branch}{account}{rib_key:02d}"
    return f"FR{stdnum_iban.calc_check_digits('FR00' + bban)}{bban}"


def make_german_iban(rng: random.Random) -> str:
    bban = digits(rng, 18)
    return f"DE{stdnum_iban.calc_check_digits('DE00' + bban)}{bban}"


def make_uk_iban(rng: random.Random) -> str:
    bban = "".join(rng.choice(LETTERS) for _ in range(4)) + digits(rng, 14)
    return f"GB{stdnum_iban.calc_check_digits('GB00' + bban)}{bban}"


def make_german_vat(rng: random.Random) -> str:
    body = rng.choice("123456789") + digits(rng, 7)
    return f"DE{body}{mod_11_10.calc_check_digit(body)}"


def make_uk_vat(rng: random.Random) -> str:
    while True:
        candidate = digits(rng, 9)
        if gb_vat.is_valid("GB" + candidate):
            return "GB" + candidate


def corrupt_digit(value: str, rng: random.Random) -> str:
    """Change one digit in the checksummed part, as a typo would."""
    positions = [i for i, char in enumerate(value) if char.isdigit() and i >= 2] or [
        i for i, char in enumerate(value) if char.isdigit()]
    position = rng.choice(positions)
    new_digit = str((int(value[position]) + rng.randint(1, 9)) % 10)
    return value[:position] + new_digit + value[position + 1:]


def slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_name.lower())
    kept = [w for w in words if w not in {"sas", "sarl", "sa", "eurl", "sasu", "gmbh", "kg",
                                          "ag", "co", "ltd", "inc", "llc"}]
    return "-".join(kept[:2]) or "societe"


def bic_for(rng: random.Random, country: str) -> str:
    return "".join(rng.choice(LETTERS) for _ in range(4)) + country + rng.choice(
        ("PP", "PX", "MM", "2X"))


def french_company(rng: random.Random, *, small: bool = False) -> Party:
    """A French supplier with the legal mentions a French invoice must show."""
    name = f"{rng.choice(FRENCH_TRADES)} {rng.choice(FRENCH_NAMES)}"
    name = name if small else f"{name} {rng.choice(FRENCH_FORMS)}"
    postcode, city = rng.choice(FRENCH_CITIES)
    siren = make_siren(rng)
    domain = f"{slug(name)}.fr"
    webmail = small and rng.random() < 0.6
    email = (f"{slug(name).replace('-', '.')}@{rng.choice(WEBMAIL)}" if webmail
             else f"{rng.choice(('contact', 'factures', 'compta'))}@{domain}")
    return Party(
        name=name,
        address=(f"{rng.randint(1, 120)} {rng.choice(FRENCH_STREETS)}", f"{postcode} {city}"),
        country="FR", siren=siren, siret=make_siret(siren, rng), vat_id=vat_from_siren(siren),
        iban=make_french_iban(rng), bic=bic_for(rng, "FR"), email=email,
        website=None if webmail or rng.random() < 0.3 else f"www.{domain}",
        phone=f"0{rng.randint(1, 5)} {digits(rng, 2)} {digits(rng, 2)} {digits(rng, 2)} "
              f"{digits(rng, 2)}",
        capital=None if small else f"{rng.choice((1000, 5000, 10000, 37000, 100000)):,} €"
        .replace(",", " "),
        rcs_city=None if small else city,
    )


def german_company(rng: random.Random) -> Party:
    name = f"{rng.choice(GERMAN_NAMES)} {rng.choice(GERMAN_TRADES)} {rng.choice(GERMAN_FORMS)}"
    postcode, city = rng.choice(GERMAN_CITIES)
    domain = f"{slug(name)}.de"
    return Party(
        name=name,
        address=(f"{rng.choice(GERMAN_STREETS)} {rng.randint(1, 80)}", f"{postcode} {city}"),
        country="DE", vat_id=make_german_vat(rng), iban=make_german_iban(rng),
        bic=bic_for(rng, "DE"), email=f"rechnung@{domain}", website=f"www.{domain}",
        phone=f"+49 {rng.randint(30, 89)} {digits(rng, 7)}",
    )


def english_company(rng: random.Random, country: str) -> Party:
    form = "Ltd" if country == "GB" else rng.choice(("Inc.", "LLC"))
    name = f"{rng.choice(ENGLISH_WORDS)} {rng.choice(ENGLISH_TRADES)} {form}"
    postcode, city = rng.choice(UK_CITIES if country == "GB" else US_CITIES)
    domain = f"{slug(name)}.{'co.uk' if country == 'GB' else 'com'}"
    return Party(
        name=name,
        address=(f"{rng.randint(1, 400)} {rng.choice(('High Street', 'Market Street', 'Main St'))}",
                 f"{city} {postcode}"),
        country=country,
        vat_id=make_uk_vat(rng) if country == "GB" else None,
        iban=make_uk_iban(rng) if country == "GB" else None,
        email=f"billing@{domain}", website=f"www.{domain}",
    )


def customer_company(rng: random.Random) -> Party:
    """The buyer: a French company whose name and VAT id sit in the address block."""
    company = french_company(rng)
    return Party(name=company.name, address=company.address, country="FR",
                 siren=company.siren, vat_id=company.vat_id)


def supplier_domain(party: Party) -> str | None:
    """The supplier's own web domain as the page shows it; webmail addresses say nothing."""
    if party.website:
        return party.website.removeprefix("www.")
    if party.email:
        domain = party.email.rpartition("@")[2]
        return None if domain in WEBMAIL else domain
    return None
