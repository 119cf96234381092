"""Streamlit glue for the strategy page's sign-in (password via bcrypt hashes, or OIDC st.login)."""

from __future__ import annotations

import os

import streamlit as st

from ifn.errors import IFNError
from ifn.strategy import auth

EDITOR_KEY = "strategie_editor"
OIDC_KEYS = ("client_id", "server_metadata_url")


def _secrets_auth() -> dict:
    """The ``[auth]`` table of the secrets, or {} when there is no secrets file."""
    try:
        value = st.secrets.get("auth", {})
    except Exception:  # no secrets.toml: streamlit raises its own error type
        return {}
    return _plain(value)


def _plain(value):
    if hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items()}
    return value


def oidc_configured(secrets_auth: dict) -> bool:
    providers = [secrets_auth] + [v for v in secrets_auth.values() if isinstance(v, dict)]
    return any(all(k in p for k in OIDC_KEYS) for p in providers)


def _sign_in(editors: dict[str, str]) -> None:
    user = st.session_state.get("st_user", "")
    password = st.session_state.get("st_password", "")
    if auth.check_password(editors, user, password):
        st.session_state[EDITOR_KEY] = user.strip()
        st.session_state.pop("st_login_error", None)
    else:
        st.session_state["st_login_error"] = "Identifiant ou mot de passe incorrect."
    st.session_state["st_password"] = ""


def _sign_out() -> None:
    st.session_state.pop(EDITOR_KEY, None)


def current_editor() -> str | None:
    """Show the sign-in block in the sidebar; return the signed-in editor's name or None."""
    secrets_auth = _secrets_auth()
    with st.sidebar:
        st.subheader("Édition (CA)")
        try:
            editors = auth.editors_from(secrets_auth, os.environ)
        except IFNError as exc:
            st.error(str(exc))
            editors = {}
        if oidc_configured(secrets_auth):
            user = getattr(st, "user", None)
            if user is not None and user.get("is_logged_in"):
                email = user.get("email")
                if auth.oidc_editor(email, secrets_auth.get("editor_emails")):
                    st.caption(f"Connecté·e : {email}")
                    st.button("Se déconnecter", key="st_logout_oidc", on_click=st.logout)
                    return str(email)
                st.info(f"{email} n'est pas dans la liste des éditeurs ([auth] editor_emails).")
                st.button("Se déconnecter", key="st_logout_oidc", on_click=st.logout)
            else:
                st.button("Se connecter (compte de l'organisation)", key="st_login_oidc", on_click=st.login)
        editor = st.session_state.get(EDITOR_KEY)
        if editor and editor in editors:
            st.caption(f"Connecté·e : {editor}")
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
    return None
