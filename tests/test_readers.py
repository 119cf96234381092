"""Parsers on small fixtures written in the real formats of the bundle, with exact values."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl
import pytest

from ifn import readers
from ifn.errors import DataError
from ifn.sources import geo_2018, recensement_2017_drom

# A CSV in the format of INSEE's populations légales (the helpers' test file)
POPULATIONS = readers.CsvSpec("insee/Communes.csv", ";", {"DEPCOM": "code", "COM": "nom", "PMUN": "population"},
                              numeric=("population",), min_rows=30_000, required=("code", "population"))


def small(spec: readers.CsvSpec) -> readers.CsvSpec:
    return dataclasses.replace(spec, min_rows=1)


def write(root: Path, rel: str, text: str, encoding: str = "utf-8") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def test_warning_line_above_the_header_is_skipped(tmp_path):
    spec = readers.CsvSpec("arcep/x.csv", ";", {"code_insee": "code", "nbr": "locaux"}, numeric=("locaux",),
                           skip_lines=1)
    write(tmp_path, spec.relpath, "Version beta : les données sont présentées en l’état\ncode_insee;nbr\n"
                                  "67017;148\n01001;379\n")
    df = readers.read_csv_spec(tmp_path, spec)
    assert df.rows() == [("67017", 148.0), ("01001", 379.0)]


def test_decimal_comma_and_leading_zero_kept(tmp_path):
    spec = readers.CsvSpec("cnaf/x.csv", ";", {"CODGEO": "code", "TX_F": "taux"}, numeric=("taux",), decimal_comma=True)
    write(tmp_path, spec.relpath, "CODGEO;TX_F\r\n01004;51,6\r\n2A004;7\r\n")
    df = readers.read_csv_spec(tmp_path, spec)
    assert df["code"].to_list() == ["01004", "2A004"]
    assert df["taux"].to_list() == [51.6, 7.0]


def test_unnamed_index_column_and_empty_values(tmp_path):
    write(
        tmp_path,
        recensement_2017_drom.SPEC.relpath,
        ",CODE_INSEE,LIBCOM,DEP,TX_NSCOL15P,TX_MENSEUL,TX_FAMMONO,TX_65ETPLUS,TX_25ETMOINS,TX_DEMANDEURS_EMPLOI\n"
        "0,01004,Ambérieu-en-Bugey,01,49.5,41.5,10.25,20.75,16.6,\n"
        "1,01004,Ambérieu-en-Bugey,01,,,,,,\n"
        "2,01005,Ambérieux-en-Dombes,01,40,22,,30,10,\n",
    )
    df, removed = readers.collapse_duplicates(
        readers.read_csv_spec(tmp_path, small(recensement_2017_drom.SPEC)), tmp_path / recensement_2017_drom.SPEC.relpath
    )
    assert removed == 1
    assert df.to_dicts() == [
        {"code": "01004", "diplome": 49.5, "menseul": 41.5, "fammono": 10.25, "age65": 20.75},
        {"code": "01005", "diplome": 40.0, "menseul": 22.0, "fammono": None, "age65": 30.0},
    ]


def test_conflicting_duplicates_refused_but_flags_take_presence(tmp_path):
    df = pl.DataFrame({"code": ["40110", "40110"], "a": [0.0, 1.0]})
    with pytest.raises(DataError, match="40110"):
        readers.collapse_duplicates(df, tmp_path / "f.csv")
    merged, removed = readers.collapse_duplicates(df, tmp_path / "f.csv", conflicts_take_max=True)
    assert merged.to_dicts() == [{"code": "40110", "a": 1.0}] and removed == 1


def test_lost_leading_zero_is_named(tmp_path):
    write(tmp_path, POPULATIONS.relpath, "DEPCOM;COM;PMUN;PCAP;PTOT\n01001;A;776;18;794\n1002;B;248;1;249\n")
    with pytest.raises(DataError) as err:
        readers.read_csv_spec(tmp_path, small(POPULATIONS))
    text = str(err.value)
    assert "« 1002 »" in text and "ligne 3" in text and "zéro initial" in text and "Communes.csv" in text


def test_non_numeric_value_named_with_line(tmp_path):
    write(tmp_path, POPULATIONS.relpath, "DEPCOM;COM;PMUN;PCAP;PTOT\n01001;A;776;18;794\n01002;B;2x48;1;249\n")
    with pytest.raises(DataError, match=r"« 2x48 ».*ligne 3"):
        readers.read_csv_spec(tmp_path, small(POPULATIONS))


def test_wrong_separator_hint(tmp_path):
    write(tmp_path, POPULATIONS.relpath, "DEPCOM,COM,PMUN,PCAP,PTOT\n01001,A,776,18,794\n")
    with pytest.raises(DataError, match="séparateur attendu est « ; »"):
        readers.read_csv_spec(tmp_path, small(POPULATIONS))


def test_renamed_column_named(tmp_path):
    write(tmp_path, POPULATIONS.relpath, "DEPCOM;COM;POPMUN;PCAP;PTOT\n01001;A;776;18;794\n")
    with pytest.raises(DataError, match="absente.*PMUN"):
        readers.read_csv_spec(tmp_path, small(POPULATIONS))


def test_truncated_last_line(tmp_path):
    write(tmp_path, POPULATIONS.relpath, "DEPCOM;COM;PMUN;PCAP;PTOT\n01001;A;776;18;794\n01002;B;2")
    with pytest.raises(DataError, match="tronqué"):
        readers.read_csv_spec(tmp_path, small(POPULATIONS))


def test_too_few_rows_is_truncation(tmp_path):
    write(tmp_path, POPULATIONS.relpath, "DEPCOM;COM;PMUN;PCAP;PTOT\n01001;A;776;18;794\n")
    with pytest.raises(DataError, match="1 ligne.*30000.*tronqué"):
        readers.read_csv_spec(tmp_path, POPULATIONS)


def test_missing_file_named(tmp_path):
    with pytest.raises(DataError, match="Communes.csv.*manquant"):
        readers.read_csv_spec(tmp_path, POPULATIONS)


def test_sha256sums_parsing(tmp_path):
    write(tmp_path, "SHA256SUMS", "ab" * 32 + "  ./insee/Communes.csv\n" + "cd" * 32 + "  geo/x.geojson\n")
    assert readers.read_sha256sums(tmp_path) == {"insee/Communes.csv": "ab" * 32, "geo/x.geojson": "cd" * 32}


def test_geojson_not_geojson(tmp_path):
    path = write(tmp_path, "geo/communes/communes-01-ain.geojson", "code;nom\n01001;A\n")
    with pytest.raises(DataError, match="n'est pas un fichier GeoJSON"):
        geo_2018._read_geojson(path)


def test_geojson_properties_and_codes(tmp_path):
    path = write(
        tmp_path,
        "geo/communes/communes-2A-corse-du-sud.geojson",
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"2A004","nom":"Ajaccio"},'
        '"geometry":{"type":"Polygon","coordinates":[[[8.7,41.9],[8.8,41.9],[8.8,42.0],[8.7,41.9]]]}}]}',
    )
    gdf = geo_2018._read_geojson(path)
    assert gdf["code"].tolist() == ["2A004"] and gdf["nom"].tolist() == ["Ajaccio"]


def test_libraries_counted_per_commune_without_administrative_addresses(tmp_path):
    header = ("Libelle1;Libelle2;Localisation;voie;CP;CEDEXB;Ville;DEPT;INSEE;coordonnees_ban;coordonnees_insee;"
              "coordonnees_finales;code_bib;code_ua;Code region;Statut;surface;type_adresse;amplitude_horaire;pop_com")
    rows = [
        "Médiathèque A;;;rue 1;60490;;Boulogne-la-Grasse;60;60093;49.6, 2.7;49.6, 2.7;49.6,2.7;1.0;1.0;32;"
        "Bibliothèque municipale;;Bibliothèque ouverte au public;;486.0",
        "Annexe B;;;rue 2;60490;;Boulogne-la-Grasse;60;60093;49.6, 2.7;49.6, 2.7;49.6,2.7;2.0;2.0;32;"
        "Bibliothèque municipale;;Bibliothèque ouverte au public;;486.0",
        "Siège C;;;rue 3;01000;;Bourg;01;01053;46.2, 5.2;46.2, 5.2;46.2,5.2;3.0;3.0;84;"
        "Bibliothèque départementale;;Adresse administrative;;41000.0",
        "Point lecture D;;;rue 4;01000;;Bourg;01;01053;46.2, 5.2;46.2, 5.2;46.2,5.2;4.0;4.0;84;"
        ";;Bibliothèque ouverte au public;;41000.0",
    ]
    write(tmp_path, readers.LIBRARIES.relpath, header + "\r\n" + "\r\n".join(rows) + "\r\n")
    df = readers.read_libraries(tmp_path, small(readers.LIBRARIES))
    assert dict(df.iter_rows()) == {"60093": 2, "01053": 1}


# ----------------------------------------------------------------------------- France Services (ANCT, 2023)
FS_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "france-services-2023-sample.csv"


def fs_bundle(root: Path, transform=lambda data: data) -> Path:
    """The sample of real France Services records (CRLF, quoted, one comment over 4 lines) in a bundle."""
    target = root / readers.FRANCE_SERVICES.relpath
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(transform(FS_FIXTURE.read_bytes()))
    return target


def test_france_services_sample_parsed_and_counted(tmp_path):
    fs_bundle(tmp_path)
    sites = readers.read_france_services(tmp_path, small(readers.FRANCE_SERVICES))
    # 10 records on 13 data lines: the comment of the Sud Sarthe site (id 426) spans 4 lines
    assert sites["id"].to_list() == ["1", "3", "1877", "8", "2331", "99", "426", "437", "941", "1684"]
    assert sites["code"].to_list() == ["01033", "02361", "02361", "03190", "03190", "15141", "72176",
                                       "75118", "75118", "97801"]
    assert sites["itinerance"].to_list() == [False, True, False, True, True, False, False, False, False, False]
    assert sites["format"].to_list() == ["Lieu fixe", "Mobile", "Lieu fixe", "Mobile", "Multi-sites", "Antenne",
                                         "Lieu fixe", "Lieu fixe", "Lieu fixe", "Lieu fixe"]
    # the two buses (Guise 02361, Moulins 03190) are not counted; the Moulins multi-site place is,
    # although it also holds itinerant sessions; the antenna counts in its own commune
    counts = readers.france_services_per_commune(sites)
    assert dict(counts.iter_rows()) == {
        "01033": 1, "02361": 1, "03190": 1, "15141": 1, "72176": 1, "75118": 2, "97801": 1,
    }
    assert counts["france_services"].dtype == pl.Int64


def test_france_services_record_lines_follow_multiline_fields(tmp_path):
    path = fs_bundle(tmp_path)
    # header on line 1; the record of id 426 covers lines 8–11
    assert readers.record_lines(path, ",") == [2, 3, 4, 5, 6, 7, 8, 12, 13, 14]


@pytest.mark.parametrize(
    "old, new, message",
    [
        # the Paris 18e Nord-Est record starts on line 12 (after the 4-line record), not row 11 + 1
        (b'"Lieu fixe"\r\n"941"', b'"Fixe"\r\n"941"', r"france-services-2023\.csv.*« Fixe ».*format_fs_anct.*ligne 12"),
        (b'"Non","Site principal",,"Espace labellis\xc3\xa9 01/01/2020","Lieu fixe"\r\n"3"',
         b'"Peut-\xc3\xaatre","Site principal",,"Espace labellis\xc3\xa9 01/01/2020","Lieu fixe"\r\n"3"',
         r"« Peut-être ».*itinerance.*ligne 2.*Oui, Non"),
        (b',"01033","01200"', b',"1033","01200"', r"« 1033 ».*ligne 2.*zéro initial"),
        (b'"941","75"', b',"75"', r"valeur manquante.*« id_fs ».*ligne 13"),
        (b'"1684","978"', b'"437","978"', r"identifiant de site « 437 ».*lignes 12, 14"),
        (b'"insee_com"', b'"code_insee"', r"absente.*insee_com"),
    ],
    ids=["unknown format", "unknown itinerance", "lost zero", "missing id", "duplicate id", "renamed column"],
)
def test_france_services_errors_name_file_line_value(tmp_path, old, new, message):
    def transform(data: bytes) -> bytes:
        assert old in data
        return data.replace(old, new, 1)

    fs_bundle(tmp_path, transform)
    with pytest.raises(DataError, match=message):
        readers.read_france_services(tmp_path, small(readers.FRANCE_SERVICES))


def test_france_services_too_few_sites_is_truncation(tmp_path):
    fs_bundle(tmp_path)
    with pytest.raises(DataError, match="10 ligne.*2000.*tronqué"):
        readers.read_france_services(tmp_path)


def test_bundle_requires_the_current_sources_not_the_legacy_files(tmp_path):
    from ifn import build

    missing = build.missing_files(tmp_path)
    for current in ("services/france-services-2023.csv", "insee/filosofi-2021/cc_filosofi_2021_COM.csv",
                    "etalab/decoupage-administratif-6.0.0/communes.json"):
        assert current in missing
    for legacy in ("derived-2020/acces_point_phys_service_publique.csv", "derived-2020/taux_pauvrete.csv",
                   "arcep/commune-debit-beta.csv", "insee/Communes.csv", "derived-2020/variable_minimas_V2.csv"):
        assert legacy not in missing
