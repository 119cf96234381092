"""The strategy page in chromium at 1400 and 390 px: every column of the nine objective tables readable
(inside the viewport, or inside a container that scrolls sideways), the status column on screen, French
chart axes; screenshots under test-artifacts/."""

from __future__ import annotations

import datetime as dt
import os

import bcrypt
import pytest

from ifn.strategy import board
from ifn.strategy.storage import Repository
from tests.browser.conftest import ROOT, free_port, offline_routes, start_server, stop_server, warm_up

# Where a header cell lies: on screen, reachable by scrolling its own container sideways, or cut off.
PLACE = """(el) => {
  const r = el.getBoundingClientRect();
  for (let a = el.parentElement; a; a = a.parentElement) {
    const cs = getComputedStyle(a);
    if (cs.overflowX === 'visible') continue;
    const c = a.getBoundingClientRect();
    if (r.left >= c.left - 1 && r.right <= c.right + 1) continue;
    const scrolls = (cs.overflowX === 'auto' || cs.overflowX === 'scroll') && a.scrollWidth > a.clientWidth;
    return scrolls && c.left >= 0 && c.right <= window.innerWidth + 1 ? 'défilement' : 'coupée';
  }
  return r.left >= 0 && r.right <= window.innerWidth + 1 ? 'visible' : 'hors écran';
}"""


def _serve(folder, browser, calendar: dt.date | None = None):
    """Start a server on its own strategy base (targets and measurements for three indicators); with
    ``calendar``, the page's today (``ifn.strategy.board.today``) is that date (set by a ``sitecustomize``)."""
    db = folder / "strategie.sqlite"
    repo = Repository(path=db)
    repo.append("ext1_societaires", "cible", author="ca", value_num=150.0)
    repo.append("ext1_societaires", "mesure", author="ca", value_num=160.0, observed_on=dt.date(2025, 6, 30))
    repo.append("ext1_participation_demarches", "cible", author="ca", value_num=1500.0)
    repo.append("ext1_participation_demarches", "mesure", author="ca", value_num=1200.0,
                observed_on=dt.date(2024, 7, 30))
    repo.append("ext1_participation_demarches", "mesure", author="ca", value_num=1600.0,
                observed_on=dt.date(2026, 2, 1))
    repo.append("int2_groupes_thematiques", "cible", author="ca", value_bool=True)
    editor = bcrypt.hashpw(b"motdepasse", bcrypt.gensalt(10)).decode()
    env = {"IFN_STRATEGY_DB": str(db), "IFN_EDITORS": f"alice:{editor}"}
    if calendar is not None:
        (folder / "sitecustomize.py").write_text(
            "import datetime\nimport ifn.strategy.board\n"
            f"ifn.strategy.board.today = lambda: datetime.date({calendar.year}, {calendar.month}, {calendar.day})\n")
        env["PYTHONPATH"] = os.pathsep.join([str(folder), str(ROOT)])
    port = free_port()
    proc = start_server(port, env=env)
    base = f"http://127.0.0.1:{port}"
    warm_up(browser, base)
    return base, proc


@pytest.fixture(scope="module")
def strategy_server(built_cache, browser, tmp_path_factory):
    """Today's calendar (after the deadline: final assessment)."""
    base, proc = _serve(tmp_path_factory.mktemp("strategie"), browser)
    yield base
    stop_server(proc)


BEFORE_DEADLINE = dt.date(2025, 6, 1)


@pytest.fixture(scope="module")
def trajectory_server(built_cache, browser, tmp_path_factory):
    """A calendar set before the deadline: the nine-column trajectory tables."""
    base, proc = _serve(tmp_path_factory.mktemp("strategie_trajectoire"), browser, BEFORE_DEADLINE)
    yield base
    stop_server(proc)


@pytest.mark.parametrize("width", [1400, 390])
@pytest.mark.parametrize("calendar", ["aujourdhui", "avant_echeance"])
def test_every_column_readable_status_on_screen(request, browser, artifacts_dir, width, calendar):
    server = request.getfixturevalue("strategy_server" if calendar == "aujourdhui" else "trajectory_server")
    today = dt.date.today() if calendar == "aujourdhui" else BEFORE_DEADLINE
    suffix = "" if calendar == "aujourdhui" else "_trajectoire"
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
    offline_routes(context)
    page = context.new_page()
    try:
        page.goto(f"{server}/strategie")
        page.locator('[data-testid="stTable"]').first.wait_for(timeout=60_000)
        notice = page.get_by_text("L'échéance de la stratégie (31/12/2025) est passée")
        if board.mode(today) == board.FINAL:
            notice.wait_for()
        else:
            assert notice.count() == 0
        places: dict[str, set[str]] = {}
        tables = 0
        for tab in page.get_by_role("tab").all():
            tab.click()
            panel = page.locator('[role="tabpanel"]:visible')
            panel.locator('[data-testid="stTable"]').first.wait_for()
            for table in panel.locator('[data-testid="stTable"]').all():
                tables += 1
                for th in table.locator("thead th").all():
                    places.setdefault(th.inner_text().strip(), set()).add(th.evaluate(PLACE))
        assert tables == 9
        expected = set(board.columns(board.mode(today)))
        assert set(places) == expected
        # the status comes second: on screen at both widths, in all nine tables
        assert places["Statut"] == {"visible"}
        if width == 1400:  # every column fits the page
            assert all(p == {"visible"} for p in places.values()), places
        else:  # a phone: the table scrolls sideways in its own frame, nothing is cut off
            assert all(p <= {"visible", "défilement"} for p in places.values()), places
            assert any("défilement" in p for p in places.values())
        # empty cells show a dash, never « None »
        assert "None" not in page.locator('[data-testid="stTable"]').first.inner_text()

        # detail chart of the first indicator (participations: 1 200 then 1 600): French axes
        chart = page.locator('[data-testid="stVegaLiteChart"]').first
        chart.scroll_into_view_if_needed()
        chart.locator("svg text").first.wait_for(timeout=30_000)
        labels = chart.locator("svg text").evaluate_all("els => els.map(e => e.textContent.trim())")
        assert "1\u00a0200" in labels or "1\u00a0000" in labels, labels
        assert not {"1,200", "1,000"} & set(labels)
        months = {w for label in labels for w in label.split()}
        assert months & {"janv.", "juil.", "avr.", "oct."}, labels
        assert not months & {"Jan", "July", "Jul", "April", "Apr", "October", "Oct"}, labels
        chart.screenshot(path=str(artifacts_dir / f"strategie_graphique_{width}{suffix}.png"))
        # whole page (Streamlit scrolls inside its main block: the window is made as tall as the page)
        page.get_by_role("tab").first.click()
        height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
        page.set_viewport_size({"width": width, "height": min(int(height), 12_000)})
        page.wait_for_timeout(1_000)
        page.screenshot(path=str(artifacts_dir / f"strategie_{width}{suffix}.png"), full_page=True)
    finally:
        context.close()


def test_measurement_date_field_is_french(strategy_server, browser, artifacts_dir):
    """The date field reads JJ/MM/AAAA and its calendar follows the browser's language (French here)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    offline_routes(context)
    page = context.new_page()
    try:
        page.goto(f"{strategy_server}/strategie")
        page.get_by_label("Identifiant").fill("alice")
        page.get_by_label("Mot de passe").fill("motdepasse")
        page.get_by_role("button", name="Se connecter").click()
        field = page.locator('[data-testid="stDateInput"]').first
        field.wait_for(timeout=30_000)
        offered = board.default_measure_date(dt.date.today())
        assert "".join(field.inner_text().split()).endswith(offered.strftime("%d/%m/%Y"))
        field.locator("button").first.click()
        months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                  "novembre", "décembre"]
        english = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                   "November", "December"]
        calendar = page.get_by_role("application").first
        calendar.wait_for(timeout=10_000)
        text = calendar.text_content()
        assert months[offered.month - 1] in text and not [m for m in english if m in text], text
        page.screenshot(path=str(artifacts_dir / "strategie_saisie_date_1400.png"))
    finally:
        context.close()
