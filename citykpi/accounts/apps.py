from importlib.util import find_spec

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "citykpi.accounts"
    label = "accounts"

    def ready(self) -> None:
        from citykpi.accounts import checks  # noqa: F401  (registers the deploy check)

        # Sign-in with the directory is the optional extra `citykpi[ldap]` (python-ldap
        # compiles against the system's LDAP headers); without it there is nothing to hear.
        if find_spec("django_auth_ldap") is None:
            return
        # Imported here: the optional extra, and accounts.ldap loads models (not at app loading).
        from django_auth_ldap.backend import ldap_error

        from citykpi.accounts.ldap import DirectoryBackend, note_directory_error

        # The directory's "cannot be reached" becomes a message instead of "wrong password".
        ldap_error.connect(
            note_directory_error, sender=DirectoryBackend, dispatch_uid="citykpi-directory-error"
        )
