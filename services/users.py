"""Users and sign-in. Only admins manage users; every change is audited and announced."""

from __future__ import annotations

from domain.auth import Actor, Permission, Role, User
from domain.errors import PermissionDenied, ValidationError
from domain.events import Change, Topic
from services.bootstrap import App
from services.passwords import hash_password, verify_password


class UserService:
    def __init__(self, app: App) -> None:
        self.app = app

    def authenticate(self, username: str, password: str) -> Actor:
        """The actor for a correct user name and password; one vague error otherwise."""
        with self.app.uow(Actor(username, Role.VIEWER, self.app.config.seat)) as uow:
            user = uow.repos.users.get(username)
        if user is None or not user.active or not verify_password(user.password_hash, password):
            raise PermissionDenied("unknown user name or wrong password")
        return user.actor(self.app.config.seat)

    def create_user(
        self, actor: Actor, username: str, display_name: str, role: Role, password: str
    ) -> User:
        actor.require(Permission.MANAGE_USERS)
        username = username.strip()
        if not username or not username.replace("_", "").replace(".", "").isalnum():
            raise ValidationError("a user name uses letters, digits, dots and underscores only")
        try:
            hashed = hash_password(password)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        user = User(username, display_name or username, role, hashed)
        with self.app.uow(actor) as uow:
            uow.repos.users.add(user)
            uow.audit("user.create", "user", username, None, {"role": role.value})
            uow.record(Change(Topic.USER, "created", (username,)))
            uow.commit()
        return user

    def set_role(self, actor: Actor, username: str, role: Role, reason: str | None = None) -> User:
        actor.require(Permission.MANAGE_USERS)
        with self.app.uow(actor) as uow:
            user = uow.repos.users.require(username, lock=True)
            before = user.role
            user.role = role
            uow.repos.users.update(user)
            uow.audit(
                "user.role", "user", username, {"role": before.value}, {"role": role.value}, reason
            )
            uow.record(Change(Topic.USER, "role_changed", (username,)))
            uow.commit()
        return user

    def set_password(self, actor: Actor, username: str, password: str) -> None:
        if actor.user != username:
            actor.require(Permission.MANAGE_USERS)
        try:
            hashed = hash_password(password)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        with self.app.uow(actor) as uow:
            user = uow.repos.users.require(username, lock=True)
            user.password_hash = hashed
            uow.repos.users.update(user)
            uow.audit("user.password", "user", username, None, None)  # never the hash itself
            uow.commit()

    def list_users(self) -> list[User]:
        with self.app.uow(Actor("system", Role.ADMIN, self.app.config.seat)) as uow:
            users = uow.repos.users.list()
        for u in users:
            u.password_hash = None
        return users
