"""Checks of layers (the ``layers`` section, a function's list, the layer steps) and of SnapStart settings."""

from __future__ import annotations

from ..layers import arn, split_ref
from .base import BaseChecker
from .rules import (
    LAYER_DEFAULTS,
    LAYER_VERSION_DEFAULTS,
    MAX_LAYERS,
    SNAP_START_APPLY_ON,
    SNAP_START_EPHEMERAL_MB,
    STEP_DEFAULTS,
    UNZIPPED_BYTES,
    int_or,
)

LAYER_REF_HINT = "a layer version is named LAYER:VERSION, e.g. shared:1"
UNZIPPED_MESSAGE = f"InvalidParameterValueException: Unzipped size must be smaller than {UNZIPPED_BYTES} bytes"


class PackagingChecks(BaseChecker):
    # -- the layers section --

    def layers_section(self) -> None:
        layers = self.dict_of(self.raw.get("layers"), "layers", "layers") or {}
        for name, layer in layers.items():
            field = f"layers.{name}"
            if not isinstance(name, str) or not name or not all(c.isalnum() or c in "-_" for c in name):
                self.add(field, "a layer name uses letters, digits, - and _")
            layer = self.dict_of(layer, field, f"layer {name}")
            if layer is None:
                continue
            self.fields(layer, field, LAYER_DEFAULTS)
            versions = self.list_of(layer.get("versions", []), f"{field}.versions", "versions") or []
            for index, version in enumerate(versions):
                self.layer_version(version, f"{field}.versions.{index}")
            for number in self.list_of(layer.get("deleted", []), f"{field}.deleted", "deleted") or []:
                self.whole(number, f"{field}.deleted", None, 1, max(1, len(versions)))

    def layer_version(self, version, field: str) -> None:
        version = self.dict_of(version, field, "a layer version")
        if version is None:
            return
        self.fields(version, field, LAYER_VERSION_DEFAULTS)
        total = 0
        files = self.dict_of(version.get("files", {}), f"{field}.files", "files") or {}
        if not files:
            self.add(f"{field}.files", "a layer version holds at least one file, e.g. python/shared.py")
        for path, source in files.items():
            if self.text(source, f"{field}.files.{path}") is not None:
                total += len(source.encode())
            if not isinstance(path, str) or path.startswith("/") or ".." in path.split("/"):
                self.add(f"{field}.files.{path}", "file names are relative paths inside the layer, e.g. python/x.py")
        extra = self.whole(version.get("extra_bytes", 0), f"{field}.extra_bytes", None, 0, 10 * UNZIPPED_BYTES)
        if total + (extra or 0) > UNZIPPED_BYTES:
            self.add(field, UNZIPPED_MESSAGE)

    # -- what a function lists --

    def function_layers(self, spec: dict, field: str, code_bytes: int, update: bool) -> None:
        """A function's ``layers``: at most 5 existing versions, one per layer, within the unzipped size.

        ``update``: the list is being set now (an update), so a deleted version can no longer be named.
        """
        refs = self.list_of(spec.get("layers"), f"{field}.layers", "layers")
        if refs is None:
            return
        if len(refs) > MAX_LAYERS:
            self.add(
                f"{field}.layers", f"InvalidParameterValueException: Cannot reference more than {MAX_LAYERS} layers."
            )
            return
        account = self.section("account")
        region = str(account.get("region") or "us-east-1")
        account_id = str(account.get("account_id") or "123456789012")
        seen: dict[str, str] = {}
        size = code_bytes
        for index, ref in enumerate(refs):
            rfield = f"{field}.layers.{index}"
            parsed = split_ref(ref) if isinstance(ref, str) else None
            if parsed is None:
                self.add(rfield, f"{ref!r}: {LAYER_REF_HINT}")
                continue
            name, number = parsed
            full = arn(region, account_id, name, number)
            if name in seen:
                self.add(
                    rfield,
                    "InvalidParameterValueException: Two different versions of the same layer are not allowed to be "
                    f"referenced in the same function. {seen[name]} and {full} are versions of the same layer.",
                )
                continue
            seen[name] = full
            versions, deleted = self.layer_versions(name)
            if not 1 <= number <= len(versions) or (update and number in deleted):
                self.add(rfield, f"InvalidParameterValueException: Layer version {full} does not exist.")
                continue
            size += self.version_bytes(versions[number - 1])
        if size > UNZIPPED_BYTES:
            self.add(
                f"{field}.layers",
                "InvalidParameterValueException: Function code combined with layers exceeds the maximum allowed size "
                f"of {UNZIPPED_BYTES} bytes. The actual size is {size} bytes.",
            )

    def layer_versions(self, name: str) -> tuple[list, set[int]]:
        """A layer's versions (including those later steps publish) and the numbers deleted."""
        layer = self.section("layers").get(name)
        layer = layer if isinstance(layer, dict) else {}
        versions = list(layer.get("versions") or []) if isinstance(layer.get("versions"), list) else []
        deleted = (
            {int_or(v, 0) for v in layer.get("deleted") or []} if isinstance(layer.get("deleted"), list) else set()
        )
        for step in self.raw.get("steps") or [] if isinstance(self.raw.get("steps"), list) else []:
            if not isinstance(step, dict):
                continue
            published = step.get("publish_layer_version")
            if isinstance(published, dict) and published.get("layer") == name:
                versions.append(published)
            removed = step.get("delete_layer_version")
            if isinstance(removed, dict) and removed.get("layer") == name:
                deleted.add(int_or(removed.get("version"), 0))
        return versions, deleted

    @staticmethod
    def version_bytes(version) -> int:
        if not isinstance(version, dict):
            return 0
        files = version.get("files")
        total = 0
        for text in files.values() if isinstance(files, dict) else []:
            total += len(text.encode()) if isinstance(text, str) else 0
        return total + max(0, int_or(version.get("extra_bytes"), 0))

    # -- SnapStart --

    def snap_start(self, spec: dict, field: str) -> None:
        given = self.dict_of(spec.get("snap_start"), f"{field}.snap_start", "snap_start")
        if given is None:
            return
        self.fields(given, f"{field}.snap_start", {"apply_on": None})
        apply_on = given.get("apply_on")
        if apply_on not in SNAP_START_APPLY_ON:
            self.add(
                f"{field}.snap_start.apply_on",
                f"ValidationException: 1 validation error detected: Value '{apply_on}' at 'snapStart.applyOn' failed "
                f"to satisfy constraint: Member must satisfy enum value set: [{', '.join(SNAP_START_APPLY_ON)}]",
            )
            return
        if apply_on != "PublishedVersions":
            return
        if int_or(spec.get("provisioned_concurrency"), 0) > 0:
            self.add(
                f"{field}.provisioned_concurrency",
                "InvalidParameterValueException: SnapStart and provisioned concurrency can't be used together: "
                "turn one of them off.",
            )
        if spec.get("file_system"):
            self.add(
                f"{field}.file_system",
                "InvalidParameterValueException: SnapStart doesn't support Amazon EFS: remove the file system or "
                "turn SnapStart off.",
            )
        if int_or(spec.get("ephemeral_storage_mb"), 512) > SNAP_START_EPHEMERAL_MB:
            self.add(
                f"{field}.ephemeral_storage_mb",
                f"InvalidParameterValueException: SnapStart doesn't support ephemeral storage over "
                f"{SNAP_START_EPHEMERAL_MB} MB.",
            )

    # -- steps --

    def step_publish_layer_version(self, body: dict, field: str) -> None:
        self.fields(body, field, STEP_DEFAULTS["publish_layer_version"])
        name = self.text(body.get("layer"), f"{field}.layer")
        if name is not None and (not name or not all(c.isalnum() or c in "-_" for c in name)):
            self.add(f"{field}.layer", "a layer name uses letters, digits, - and _")
        self.layer_version({key: body[key] for key in LAYER_VERSION_DEFAULTS if key in body}, field)

    def step_delete_layer_version(self, body: dict, field: str) -> None:
        self.fields(body, field, STEP_DEFAULTS["delete_layer_version"])
        name = body.get("layer")
        versions, _ = self.layer_versions(name) if isinstance(name, str) else ([], set())
        if not versions:
            self.add(f"{field}.layer", f"layer {name!r} doesn't exist; declare it under layers")
            return
        self.whole(body.get("version"), f"{field}.version", None, 1, len(versions))
