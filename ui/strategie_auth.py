"""Streamlit glue for the strategy page's sign-in (password via bcrypt hashes, or OIDC st.login)."""

from __future__ import annotations

import os
import uuid

import streamlit as st

from ifn.strategy import auth
from ifn.text import plain

EDITOR_KEY = "strategie_editor"
SESSION_KEY = "strategie_session_id"
OIDC_KEYS = ("client_id", "server_metadata_url")


def _secrets_auth() -> dict:
    """The ``[auth]`` table of the secrets, or {} when there is no secrets file."""
    try:
        value = st.secrets.get("auth", {})
    except Exception:  # no secrets.toml: streamlit raises its own error type
        return {}
    value = _plain(value)
    return value if isinstance(value, dict) else {}


def _plain(value):
    if hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items()}
    return value


def oidc_configured(secrets_auth: dict) -> bool:
    providers = [secrets_auth] + [v for v in secrets_auth.values() if isinstance(v, dict)]
    return any(all(k in p for k in OIDC_KEYS) for p in providers)


def _session_id() -> str:
    return st.session_state.setdefault(SESSION_KEY, uuid.uuid4().hex)


def _sign_in(editors: dict[str, str]) -> None:
    result = auth.sign_in(editors, st.session_state.get("st_user", ""), st.session_state.get("st_password", ""),
                          _session_id())
    if result.editor:
        st.session_state[EDITOR_KEY] = result.editor
        st.session_state.pop("st_login_error", None)
    else:
        st.session_state["st_login_error"] = result.message
    st.session_state["st_password"] = ""


def _sign_out() -> None:
    st.session_state.pop(EDITOR_KEY, None)


def current_editor() -> str | None:
    """Show the sign-in block in the sidebar; return the signed-in editor's name or None."""
    secrets_auth = _secrets_auth()
    with st.sidebar:
        st.subheader("Édition (CA)")
        loaded = auth.load_editors(secrets_auth, os.environ)
        editors = loaded.hashes
        if loaded.ignored:
            st.warning(f"{loaded.ignored} compte(s) d'éditeur mal écrit(s) ignoré(s) : voir le journal du serveur "
                       "et docs/strategie.md.")
        if oidc_configured(secrets_auth):
            user = getattr(st, "user", None)
            if user is not None and user.get("is_logged_in"):
                email = user.get("email")
                if auth.oidc_editor(email, secrets_auth.get("editor_emails")):
                    st.caption(f"Connecté·e : {plain(email)}")
                    st.button("Se déconnecter", key="st_logout_oidc", on_click=st.logout)
                    return str(email)
                st.info(f"{plain(email)} n'est pas dans la liste des éditeurs ([auth] editor_emails).")
                st.button("Se déconnecter", key="st_logout_oidc", on_click=st.logout)
            else:
                st.button("Se connecter (compte de l'organisation)", key="st_login_oidc", on_click=st.login)
        editor = st.session_state.get(EDITOR_KEY)
        if editor and editor in editors:
            st.caption(f"Connecté·e : {plain(editor)}")
            st.button("Se déconnecter", key="st_logout", on_click=_sign_out)
            return editor
        if not editors:
            st.caption("Aucun compte d'éditeur n'est configuré (voir docs/strategie.md) : la page est en lecture seule.")
            return None
        with st.form("st_login_form"):
            st.text_input("Identifiant", key="st_user")
            st.text_input("Mot de passe", type="password", key="st_password")
            st.form_submit_button("Se connecter", key="st_login_btn", on_click=_sign_in, args=(editors,))
        if st.session_state.get("st_login_error"):
            st.error(st.session_state["st_login_error"])
    # In the page body too: on a narrow screen the sidebar is folded behind the « » » button.
    st.caption("Éditeurs : connectez-vous dans le panneau latéral (bouton « » » en haut à gauche sur un écran "
               "étroit) pour enregistrer des mesures et des cibles.")
    return None
