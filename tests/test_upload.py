"""Upload of a user indicator: every accepted and refused case, exact values."""

import polars as pl
import pytest

from ifn.errors import InputError
from ifn.upload import (
    CustomIndicator,
    alias_map,
    extra_frame,
    guess_columns,
    indicator_id,
    normalise_code,
    parse_indicator,
    parse_number,
    parse_upload,
    read_table,
)

KNOWN = {"01001", "01002", "2A004", "75056", "69123", "13055"}


def values(parsed):
    return dict(zip(parsed.values["code"].to_list(), parsed.values["value"].to_list()))


@pytest.mark.parametrize("data, encoding, separator", [
    (b"code;valeur\n01001;1,5\n01002;2\n", "utf-8", ";"),
    ("\ufeffcode;valeur\n01001;1,5\n01002;2\n".encode("utf-8"), "utf-8", ";"),
    (b"code\tvaleur\n01001\t1,5\n01002\t2\n", "utf-8", "\t"),
    (b"code,valeur\n01001,1.5\n01002,2\n", "utf-8", ","),
    (b'code,valeur\n01001,"1,5"\n01002,2\n', "utf-8", ","),
    (b"code;valeur\r\n01001;1,5\r\n01002;2\r\n", "utf-8", ";"),
])
def test_accepted_formats(data, encoding, separator):
    parsed = parse_upload(data, KNOWN)
    assert values(parsed) == {"01001": 1.5, "01002": 2.0}
    assert (parsed.encoding, parsed.separator) == (encoding, separator)
    assert parsed.unknown == ()


def test_latin1_header_and_thousands():
    data = "Libellé;Code INSEE;Travailleurs sociaux\nAmbérieu;1001;1 234,5\nAjaccio;2a004;0,25\n".encode("latin-1")
    parsed = parse_upload(data, KNOWN)
    assert parsed.encoding == "latin-1"
    assert values(parsed) == {"01001": 1234.5, "2A004": 0.25}


def test_leading_zero_and_empty_value_is_missing():
    parsed = parse_upload(b"code;v\n1001;3\n1002;\n", KNOWN)
    assert values(parsed) == {"01001": 3.0, "01002": None}


def test_arrondissements_mapped_to_their_commune():
    parsed = parse_upload(b"code;v\n75105;10\n69383;20\n13216;30\n", KNOWN)
    assert values(parsed) == {"75056": 10.0, "69123": 20.0, "13055": 30.0}
    assert parsed.arrondissements == (("75105", "75056"), ("69383", "69123"), ("13216", "13055"))


def test_unknown_codes_listed_with_line_rest_kept():
    parsed = parse_upload(b"code;v\n01001;1\n99999;2\nabc;3\n01002;4\n", KNOWN)
    assert parsed.unknown == ((3, "99999"), (4, "abc"))
    assert values(parsed) == {"01001": 1.0, "01002": 4.0}


@pytest.mark.parametrize("data, message", [
    (b"", "Le fichier est vide"),
    (b"\xef\xbb\xbf \n\n", "Le fichier est vide"),
    (b"code;v\n", "pas de ligne de données"),
    (b"code;v\n01001;1\n01002;2\n01001;3\n", "Lignes 2 et 4 : le code commune « 01001 » apparaît deux fois"),
    (b"code;v\n1001;1\n01001;3\n", "Lignes 2 et 3 : le code commune « 01001 » apparaît deux fois"),
    (b"code;v\n75101;1\n75102;2\n", "Lignes 2 et 3 : « 75101 » et « 75102 » désignent la même commune 75056"),
    (b"code;v\n75056;1\n75102;2\n", "désignent la même commune 75056"),
    (b"code;v\n01001;1\n01002;abc\n", "Ligne 3 : la valeur « abc » (colonne « v », code 01002) n'est pas un nombre"),
    (b"code;v\n01001;1\n01002;nan\n", "Ligne 3 : la valeur « nan »"),
    (b"code;v\n01001;1\n01002;2;3\n", "Ligne 3 : 3 champ(s) au lieu de 2"),
    (b"PK\x03\x04\x14\x00rest", "pas un fichier CSV"),
    (b"%PDF-1.4 blabla", "pas un fichier CSV"),
    (b"code v\n01001 1\n", "pas un CSV lisible"),
    (b"code;v\n99999;1\n", "Aucun code du fichier ne correspond"),
    (b"code;v\n;1\n", "Ligne 2 : le code commune est vide"),
])
def test_refused_with_line_and_value(data, message):
    with pytest.raises(InputError) as err:
        parse_upload(data, KNOWN)
    assert message in str(err.value)


def test_too_large():
    with pytest.raises(InputError, match="la taille maximale est de 20 Mo"):
        parse_upload(b"code;v\n" + b"01001;1\n" * (20 * 1024 * 1024 // 8 + 1), KNOWN)
    with pytest.raises(InputError, match="taille maximale est de 1 Mo"):
        parse_upload(b"x" * (1024 * 1024 + 1), KNOWN, max_bytes=1024 * 1024)


def test_columns_chosen_and_guessed():
    table = read_table(b"nom;val;codgeo\nA;1;01001\nB;2;01002\n")
    assert guess_columns(table) == ("codgeo", "val")
    parsed = parse_upload(b"nom;val;codgeo\nA;1;01001\nB;2;01002\n", KNOWN, "codgeo", "val")
    assert values(parsed) == {"01001": 1.0, "01002": 2.0}
    with pytest.raises(InputError, match="La colonne « x » n'existe pas"):
        parse_upload(b"nom;val\nA;1\n", KNOWN, "x", "val")


def test_helpers():
    assert normalise_code(" '1001' ") == "01001"
    assert normalise_code("2b033") == "2B033"
    assert parse_number("1.234,5") == 1234.5 and parse_number("1,234.5") == 1234.5 and parse_number("-2") == -2.0 and parse_number(" ") is None
    assert indicator_id("Travailleurs sociaux / 1 000 hab.") == "perso_travailleurs_sociaux_1_000_hab"
    assert indicator_id("Été", taken={"perso_ete"}) == "perso_ete_2"


def test_extra_frame_orientation():
    a = CustomIndicator("perso_a", "A", "plus_haut_plus_fragile", 1.0,
                        pl.DataFrame({"code": ["01001", "01002"], "value": [1.0, 3.0]}))
    b = CustomIndicator("perso_b", "B", "plus_haut_moins_fragile", 1.0,
                        pl.DataFrame({"code": ["01002", "2A004"], "value": [10.0, 40.0]}))
    extra = extra_frame([a, b])
    assert extra.to_dicts() == [{"code": "01001", "perso_a": 1.0, "perso_b": None},
                                {"code": "01002", "perso_a": 3.0, "perso_b": 40.0},
                                {"code": "2A004", "perso_a": None, "perso_b": 10.0}]
    assert extra_frame([]) is None


# --- Former codes and rows combined onto one 2026 commune ----------------------------------------

# Rows of the cache's aliases (ifn.cache.load_aliases) as built from the COG 2026: Courcouronnes
# merged into Évry-Courcouronnes (91228) on 2019-01-01, Paris 5e, and an alias code that is also
# a current commune (01004, « ancien nom » of itself: the current code wins).
ALIASES = pl.DataFrame({
    "alias_code": ["91182", "75105", "75106", "01004", "99001", "99001"],
    "alias_nom": ["Courcouronnes", "Paris 5e Arrondissement", "Paris 6e Arrondissement", "Ambérieu", "X", "X"],
    "code": ["91228", "75056", "75056", "01004", "01001", "01002"],
    "nature": ["ancienne commune", "arrondissement municipal", "arrondissement municipal", "ancien nom",
               "ancienne commune", "ancienne commune"],
    "date": ["2019-01-01", "", "", "1955-03-31", "", ""]})
CURRENT = KNOWN | {"91228", "01004"}


def test_alias_map_keeps_unambiguous_former_codes():
    aliases = alias_map(ALIASES, CURRENT)
    assert aliases == {"91182": ("91228", "ancienne commune"), "75105": ("75056", "arrondissement municipal"),
                       "75106": ("75056", "arrondissement municipal")}


def test_former_code_attached_with_a_notice():
    table = read_table(b"code;v\n91182;4,5\n01001;1\n99001;3\n")
    parsed = parse_indicator(table, "code", "v", CURRENT, alias_map(ALIASES, CURRENT))
    assert values(parsed) == {"91228": 4.5, "01001": 1.0}
    assert parsed.former == (("91182", "91228"),) and parsed.unknown == ((4, "99001"),)
    assert parsed.notices() == ["1 code(s) d'avant 2026 rattaché(s) à leur commune de 2026 : 91182 → 91228."]


@pytest.mark.parametrize("combine, expected", [("sum", 30.0), ("mean", 15.0)])
def test_arrondissements_of_one_city_combined(combine, expected):
    table = read_table(b"code;v\n75105;10\n75106;20\n01001;1\n75107;\n")
    parsed = parse_indicator(table, "code", "v", CURRENT, combine=combine)
    assert values(parsed) == {"75056": expected, "01001": 1.0}
    assert parsed.combined == (("75056", 3),)
    assert parsed.arrondissements == (("75105", "75056"), ("75106", "75056"), ("75107", "75056"))
    notices = parsed.notices()
    assert notices[0].startswith("3 code(s) d'arrondissement rattaché(s) à leur commune : 75105 → 75056")
    assert notices[1] == ("Valeurs " + ("additionnées" if combine == "sum" else "moyennées (moyenne simple, non "
                                        "pondérée)") + " pour 1 commune(s) données sur plusieurs lignes : 75056 (3 lignes).")


def test_combining_never_hides_a_code_given_twice():
    table = read_table(b"code;v\n01001;1\n01001;2\n")
    for combine in ("refuse", "sum", "mean"):
        with pytest.raises(InputError, match="le code commune « 01001 » apparaît deux fois"):
            parse_indicator(table, "code", "v", CURRENT, combine=combine)
    with pytest.raises(InputError, match="choisissez d'additionner ou de moyenner"):
        parse_indicator(read_table(b"code;v\n75105;1\n75106;2\n"), "code", "v", CURRENT)
    with pytest.raises(InputError, match="Regroupement « max » inconnu"):
        parse_indicator(table, "code", "v", CURRENT, combine="max")


def test_customs_key_changes_with_id_direction_and_values():
    from ifn.upload import customs_key

    values = pl.DataFrame({"code": ["01001", "01002"], "value": [1.0, 2.0]})
    base = CustomIndicator("perso_a", "A", "plus_haut_plus_fragile", 1.0, values)
    same = CustomIndicator("perso_a", "autre libellé", "plus_haut_plus_fragile", 3.0, values.clone())
    assert customs_key([base]) == customs_key([same])  # label and weight do not change the scores prepared
    others = [CustomIndicator("perso_b", "A", "plus_haut_plus_fragile", 1.0, values),
              CustomIndicator("perso_a", "A", "plus_haut_moins_fragile", 1.0, values),
              CustomIndicator("perso_a", "A", "plus_haut_plus_fragile", 1.0, values.with_columns(value=pl.lit(9.0)))]
    keys = {customs_key([base])} | {customs_key([o]) for o in others}
    assert len(keys) == 4
    assert customs_key([base, others[0]]) != customs_key([others[0], base]) and customs_key([]) != customs_key([base])
