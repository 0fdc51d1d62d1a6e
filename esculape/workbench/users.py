"""The pilot's users: a TOML or JSON file of logins with salted scrypt password hashes.

When ``ESCULAPE_USERS`` names such a file, the app asks for a login and records every question in the
audit log; without it the app runs open for local research. The file holds no password, only
``scrypt$<n>$<r>$<p>$<salt hex>$<hash hex>`` strings, and may be read by anyone who runs the app.

```toml
[users.dupont]
name = "Dr Dupont"
role = "clinician"          # or "admin": sees and exports every feedback
password = "scrypt$16384$8$1$…$…"
```

Add or replace a user (the password is asked twice, never echoed):

```bash
python -m esculape.workbench.users add dupont --file pilot-users.toml --name "Dr Dupont" [--role admin]
```
"""

import argparse
import getpass
import hashlib
import hmac
import json
import os
import secrets
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

USERS_ENV = "ESCULAPE_USERS"
ROLES = ("clinician", "admin")
# scrypt cost: 16 MiB of memory and about 50 ms per check on one core, too slow for guessing at scale.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES = 16
HASH_BYTES = 32


class UsersFileError(ValueError):
    """The users file cannot be read; ``french`` is the sentence shown on the login page."""

    def __init__(self, message: str, french: str) -> None:
        super().__init__(message)
        self.french = french


@dataclass(frozen=True)
class User:
    """One pilot user."""

    login: str
    name: str
    role: str
    password: str  # the scrypt string, never the password itself

    @property
    def is_admin(self) -> bool:
        """Admins see and export every feedback."""
        return self.role == "admin"


def hash_password(password: str, salt: bytes | None = None) -> str:
    """The storable scrypt string of ``password`` with a fresh random salt."""
    salt = salt or secrets.token_bytes(SALT_BYTES)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=HASH_BYTES
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches the scrypt string ``stored`` (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            password.encode("utf-8"),
            salt=bytes.fromhex(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(bytes.fromhex(expected)),
            maxmem=2**26,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), expected)


def users_path() -> Path | None:
    """The users file named by ``ESCULAPE_USERS``, or None (open mode)."""
    configured = os.environ.get(USERS_ENV, "").strip()
    return Path(configured).expanduser() if configured else None


def load_users(path: Path) -> dict[str, User]:
    """Read a users file (``.json``, otherwise TOML).

    :raises UsersFileError: a missing or malformed file, with a French sentence for the login page.
    """
    french = (
        "Le fichier des utilisateurs du pilote est illisible ou absent : l'accès est fermé. "
        "Prévenez l'administrateur."
    )
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except OSError as error:
        raise UsersFileError(f"Cannot read the users file {path} ({USERS_ENV}): {error}", french) from error
    except (ValueError, tomllib.TOMLDecodeError) as error:
        raise UsersFileError(f"The users file {path} is not valid TOML or JSON: {error}", french) from error
    users = {}
    for login, entry in (data.get("users") or {}).items():
        if not isinstance(entry, dict) or not str(entry.get("password", "")).startswith("scrypt$"):
            raise UsersFileError(
                f"User '{login}' in {path} has no scrypt password: add it with "
                "`python -m esculape.workbench.users add`",
                french,
            )
        role = entry.get("role", "clinician")
        if role not in ROLES:
            raise UsersFileError(f"User '{login}' in {path}: role '{role}', expected one of {ROLES}", french)
        users[login] = User(login, entry.get("name", login), role, entry["password"])
    return users


def authenticate(users: dict[str, User], login: str, password: str) -> User | None:
    """The user whose login and password match, or None."""
    user = users.get((login or "").strip())
    if user is None:
        # Same work for an unknown login, so that timing does not tell which logins exist.
        verify_password(password, hash_password("unknown-login"))
        return None
    return user if verify_password(password, user.password) else None


def write_users(path: Path, users: dict[str, User]) -> None:
    """Write the users file (JSON for ``.json``, otherwise TOML), replacing it atomically."""
    if path.suffix == ".json":
        entries = {u.login: {"name": u.name, "role": u.role, "password": u.password} for u in users.values()}
        data = {"users": entries}
        text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    else:
        # JSON strings are valid TOML basic strings, so json.dumps quotes the values.
        lines = ["# Esculape pilot users: python -m esculape.workbench.users add LOGIN --file FILE"]
        for user in users.values():
            lines += [
                "",
                f"[users.{json.dumps(user.login)}]",
                f"name = {json.dumps(user.name)}",
                f"role = {json.dumps(user.role)}",
                f"password = {json.dumps(user.password)}",
            ]
        text = "\n".join(lines) + "\n"
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def add_user(path: Path, login: str, password: str, name: str = "", role: str = "clinician") -> User:
    """Add (or replace) one user in the file at ``path``, creating the file if needed."""
    if role not in ROLES:
        raise ValueError(f"Unknown role '{role}': expected one of {', '.join(ROLES)}")
    if not login.strip() or len(password) < 8:
        raise ValueError("A login and a password of at least 8 characters are needed")
    users = load_users(path) if path.exists() else {}
    user = User(login.strip(), name or login.strip(), role, hash_password(password))
    users[user.login] = user
    write_users(path, users)
    return user


def main(argv: list[str] | None = None) -> int:
    """``python -m esculape.workbench.users add LOGIN --file FILE [--name NAME] [--role admin]``."""
    parser = argparse.ArgumentParser(
        prog="python -m esculape.workbench.users", description="Manage the users of Esculape's pilot mode."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="add or replace a pilot user")
    add.add_argument("login")
    add.add_argument("--file", help=f"users file (default: {USERS_ENV})")
    add.add_argument("--name", default="", help="name shown in the app")
    add.add_argument("--role", choices=ROLES, default="clinician")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    args = parser.parse_args(argv)

    path = Path(args.file).expanduser() if args.file else users_path()
    if path is None:
        print(f"users: pass --file or set {USERS_ENV}", file=sys.stderr)
        return 2
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Mot de passe : ")
        if getpass.getpass("Confirmez le mot de passe : ") != password:
            print("users: the two passwords differ; nothing was written", file=sys.stderr)
            return 2
    try:
        user = add_user(path, args.login, password, args.name, args.role)
    except (ValueError, UsersFileError) as error:
        print(f"users: {error}", file=sys.stderr)
        return 2
    print(f"User '{user.login}' ({user.role}) written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
