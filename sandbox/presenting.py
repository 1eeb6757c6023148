"""Page context for the sandbox's views: what each page shows, built from rows, the world and a run's trace.

Views fetch and authorise, then call these; nothing here writes.
"""

from __future__ import annotations

import base64
import binascii
import json

from django.urls import reverse

from sandbox import event_templates
from sandbox import forms as sandbox_forms
from sandbox.catalogue import all_challenges, all_presets, find_challenge, find_preset
from sandbox.emulator import urls
from sandbox.models import ChallengeAttempt, Run, Workspace
from sandbox.pictures import diagram, metrics_chart, timeline


def passed_challenges(user) -> set[str]:
    """Slugs of the challenges the user has passed (none for an anonymous visitor)."""
    if not user.is_authenticated:
        return set()
    return set(ChallengeAttempt.objects.filter(user=user, passed=True).values_list("challenge", flat=True))


def home_context(user) -> dict:
    workspaces = list(Workspace.objects.filter(owner=user)[:50]) if user.is_authenticated else []
    return {
        "presets": all_presets(),
        "challenges": all_challenges(),
        "workspaces": workspaces,
        "passed": passed_challenges(user),
    }


def challenge_context(user, challenge) -> dict:
    context = {"challenge": challenge, "workspace": None, "attempts": []}
    if user.is_authenticated:
        context["workspace"] = Workspace.objects.filter(owner=user, challenge=challenge.slug).first()
        context["attempts"] = list(ChallengeAttempt.objects.filter(user=user, challenge=challenge.slug)[:10])
    return context


def workspace_context(workspace: Workspace) -> dict:
    runs = list(workspace.runs.select_related("challenge_attempt")[:10])
    return {
        "workspace": workspace,
        "runs": runs,
        "preset": find_preset(workspace.preset) if workspace.preset else None,
        "challenge": find_challenge(workspace.challenge) if workspace.challenge else None,
        "tab": "overview",
        "summary": world_summary(workspace.world),
        "latest": runs[0] if runs else None,
    }


def function_urls_context(workspace: Workspace, absolute) -> dict:
    """The workspace's function URLs (full address, auth type, a curl example) and its access key.

    ``absolute`` turns a path into a full URL (``request.build_absolute_uri``)."""
    key_id, secret = workspace.access_keys()
    region = str((workspace.world.get("account") or {}).get("region") or "us-east-1")
    rows = []
    for url_id, target in sorted(urls.ids_of(workspace.world).items(), key=lambda item: item[1]):
        settings = (workspace.world.get("function_urls") or {}).get(target) or {}
        address = absolute(reverse("sandbox:function-url", args=[workspace.pk, url_id]))
        auth_type = str(settings.get("auth_type") or "NONE")
        if auth_type == "AWS_IAM":
            curl = f'curl -i --aws-sigv4 "aws:amz:{region}:lambda" --user "{key_id}:{secret}" "{address}"'
        else:
            curl = f'curl -i "{address}"'
        rows.append({"target": target, "url_id": url_id, "address": address, "auth_type": auth_type, "curl": curl})
    return {
        "function_urls": rows,
        "access_key_id": key_id,
        "secret_access_key": secret,
        "key_user": Workspace.KEY_USER,
        "region": region,
    }


def endpoint_context(workspace: Workspace, absolute) -> dict:
    """The workspace's AWS endpoint for boto3 and the AWS CLI, with copyable configuration.

    ``absolute`` turns a path into a full URL (``request.build_absolute_uri``)."""
    key_id, secret = workspace.access_keys()
    region = str((workspace.world.get("account") or {}).get("region") or "us-east-1")
    url = absolute(reverse("sandbox:aws-endpoint", args=[workspace.pk]))
    profile = "sandbox"
    configure = "\n".join(
        [
            f"aws configure set aws_access_key_id {key_id} --profile {profile}",
            f"aws configure set aws_secret_access_key {secret} --profile {profile}",
            f"aws configure set region {region} --profile {profile}",
            f"aws configure set endpoint_url {url} --profile {profile}",
            f"aws lambda list-functions --profile {profile}",
        ]
    )
    files = "\n".join(
        [
            "# ~/.aws/config",
            f"[profile {profile}]",
            f"region = {region}",
            f"endpoint_url = {url}",
            "",
            "# ~/.aws/credentials",
            f"[{profile}]",
            f"aws_access_key_id = {key_id}",
            f"aws_secret_access_key = {secret}",
        ]
    )
    python = "\n".join(
        [
            "import boto3",
            "",
            "lam = boto3.client(",
            '    "lambda",',
            f'    endpoint_url="{url}",',
            f'    region_name="{region}",',
            f'    aws_access_key_id="{key_id}",',
            f'    aws_secret_access_key="{secret}",',
            ")",
            'print([f["FunctionName"] for f in lam.list_functions()["Functions"]])',
        ]
    )
    return {
        "endpoint_url": url,
        "endpoint_profile": profile,
        "endpoint_configure": configure,
        "endpoint_files": files,
        "endpoint_python": python,
    }


def events_context(workspace: Workspace, form, chosen=None) -> dict:
    templates = event_templates.all_templates()
    return {
        "workspace": workspace,
        "form": form,
        "templates": templates,
        "chosen": chosen or templates[0],
        "tab": "events",
    }


def default_payload(workspace: Workspace, function: str) -> str | None:
    """The first event the workspace's preset or challenge sends ``function``, as JSON; None if it sends none."""
    source = find_preset(workspace.preset) if workspace.preset else None
    if source is None and workspace.challenge:
        source = find_challenge(workspace.challenge)
    for step in (source.steps if source else None) or []:
        invoke = step.get("invoke") if isinstance(step, dict) else None
        if isinstance(invoke, dict) and invoke.get("function") == function and "payload" in invoke:
            return json.dumps(invoke["payload"], indent=2)
    return None


def resources_context(workspace: Workspace) -> dict:
    world = workspace.world
    latest = workspace.runs.filter(status=Run.DONE).exclude(trace=None).first()
    contents = (latest.trace or {}).get("queues", {}) if latest else {}
    queues = [(name, spec or {}, contents.get(name)) for name, spec in (world.get("queues") or {}).items()]
    sections = ("queues", "topics", "streams", "buses", "buckets", "functions", "layers")
    names = {section: list(world.get(section) or {}) for section in sections}
    forms = {
        action.replace("-", "_"): form_class(names=names[section])
        for action, (form_class, section, _kind) in sandbox_forms.RESOURCE_FORMS.items()
    }
    forms["add_queue"] = sandbox_forms.QueueForm()
    forms["add_topic"] = sandbox_forms.TopicForm()
    forms["add_mapping"] = sandbox_forms.MappingForm(
        functions=list(world.get("functions") or {}), sources=sandbox_forms.mapping_sources(world)
    )
    actions = [*sandbox_forms.RESOURCE_FORMS, "add-queue", "add-topic", "add-mapping", "toggle-mapping"]
    urls = {
        action.replace("-", "_"): reverse("sandbox:resource-action", args=[workspace.pk, action]) for action in actions
    }
    return {
        "workspace": workspace,
        "world": world,
        "queues": queues,
        "forms": forms,
        "urls": urls,
        "latest": latest,
        "mappings": list(enumerate(world.get("event_source_mappings") or [])),
        "layers": layer_rows(world),
        "function_versions": function_version_rows(world),
        "names": names,
        "tab": "resources",
    }


def function_version_rows(world: dict) -> list[dict]:
    """Each function that has published versions or aliases: its versions in order (whether each still runs
    the code ``$LATEST`` has) and its aliases with the version each points at and any weighted extra one."""
    rows = []
    for name, spec in (world.get("functions") or {}).items():
        spec = spec if isinstance(spec, dict) else {}
        published = spec.get("versions") if isinstance(spec.get("versions"), dict) else {}
        aliases = spec.get("aliases") if isinstance(spec.get("aliases"), dict) else {}
        if not published and not aliases:
            continue
        numbers = sorted((str(n) for n in published), key=lambda n: (not n.isdigit(), int(n) if n.isdigit() else 0))
        versions = [
            {
                "number": n,
                "memory_mb": (published[n] or {}).get("memory_mb") if isinstance(published[n], dict) else None,
                "latest_code": isinstance(published[n], dict) and published[n].get("code") == spec.get("code"),
            }
            for n in numbers
        ]
        alias_rows = []
        for alias, target in aliases.items():
            target = target if isinstance(target, dict) else {"version": target}
            weights = target.get("weights") if isinstance(target.get("weights"), dict) else {}
            extra = [f"{float(w):.0%} to version {v}" for v, w in weights.items() if _is_number(w)]
            alias_rows.append({"name": alias, "version": str(target.get("version")), "extra": extra})
        rows.append({"name": name, "versions": versions, "aliases": alias_rows})
    return rows


def _is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def layer_rows(world: dict) -> list[dict]:
    """Each layer with its version numbers, the deleted ones marked, and the functions that list each."""
    rows = []
    for name, layer in (world.get("layers") or {}).items():
        layer = layer if isinstance(layer, dict) else {}
        deleted = set(layer.get("deleted") or [])
        users: dict[int, list[str]] = {}
        for function, spec in (world.get("functions") or {}).items():
            for ref in (spec or {}).get("layers") or []:
                layer_name, _, number = str(ref).rpartition(":")
                if layer_name == name and number.isdigit():
                    users.setdefault(int(number), []).append(function)
        versions = [
            {"number": n, "deleted": n in deleted, "functions": users.get(n, [])}
            for n in range(1, len(layer.get("versions") or []) + 1)
        ]
        rows.append({"name": name, "versions": versions})
    return rows


def network_context(workspace: Workspace) -> dict:
    network = workspace.world.get("network") or {}
    picture = diagram.build(network, workspace.functions)
    latest = workspace.runs.filter(status=Run.DONE).exclude(trace__connections=[]).exclude(trace=None).first()
    forms = {
        "add_nat": sandbox_forms.NatGatewayForm(
            subnets=list(network.get("subnets") or {}),
            route_tables=list(network.get("route_tables") or {}),
            existing=list(network.get("nat_gateways") or {}),
        ),
        "set_route": sandbox_forms.RouteForm(route_tables=list(network.get("route_tables") or {})),
        "edit": sandbox_forms.YamlSectionForm(initial={"text": sandbox_forms.to_yaml(network)}),
    }
    urls = {name: reverse("sandbox:network-action", args=[workspace.pk, name.replace("_", "-")]) for name in forms}
    return {
        "workspace": workspace,
        "network": network,
        "diagram": picture,
        "diagram_svg": diagram.render_svg(picture) if not picture.empty else "",
        "connections": (latest.trace or {}).get("connections", []) if latest else [],
        "latest": latest,
        "security_groups": sorted((network.get("security_groups") or {}).items()),
        "forms": forms,
        "urls": urls,
        "tab": "network",
    }


def world_summary(world: dict) -> list[tuple[str, int]]:
    """(label, count) for each kind of resource the world has, the label singular or plural to match."""
    counts = [
        (len(world.get(key) or {}), label)
        for key, label in (
            ("functions", "function"),
            ("queues", "queue"),
            ("topics", "topic"),
            ("streams", "stream"),
            ("buses", "event bus"),
            ("buckets", "bucket"),
            ("tables", "table"),
            ("event_source_mappings", "event source mapping"),
            ("layers", "layer"),
        )
    ]
    counts.append((len((world.get("network") or {}).get("subnets") or {}), "subnet"))
    plural = {"event bus": "event buses"}
    return [(label if count == 1 else plural.get(label, label + "s"), count) for count, label in counts if count]


def decode_log(text: str | None) -> str:
    if not text:
        return ""
    try:
        return base64.b64decode(text).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return text


def run_context(run: Run, step: str | None, play: str | None) -> dict:
    """Everything the results show: responses, logs, timeline (at a replay step), metrics, verdicts."""
    trace = run.trace or {}
    if not trace:
        return {"trace": None}
    picture = timeline.build(trace)
    total = len(picture.steps)
    try:
        upto = timeline.clamp_step(picture, int(step)) if step not in (None, "") else None
    except ValueError:
        upto = None
    shown = total if upto is None else upto
    chart = metrics_chart.build(trace)
    responses = [
        {
            **response,
            "payload_json": json.dumps(response.get("payload"), indent=2),
            "log": decode_log(response.get("log_result")),
        }
        for response in trace.get("responses") or []
    ]
    return {
        "trace": trace,
        "responses": responses,
        "url_responses": trace.get("url_responses") or [],
        "attempts": trace.get("attempts") or [],
        "timeline": picture,
        "timeline_svg": timeline.render_svg(picture, upto),
        "upto": upto,
        "shown": shown,
        "total_steps": total,
        "previous_step": max(shown - 1, 0),
        "next_step": min(shown + 1, total),
        "playing": bool(play) and upto is not None and shown < total,
        "chart": chart,
        "chart_svg": metrics_chart.render_svg(chart) if not chart.empty else "",
        "queue_contents": sorted((trace.get("queues") or {}).items()),
        "connections": trace.get("connections") or [],
        "sdk_calls": trace.get("sdk_calls") or [],
        "deliveries": trace.get("deliveries") or [],
        "dropped": trace.get("dropped") or [],
        "snapshots": trace.get("snapshots") or [],
        "layer_versions": trace.get("layer_versions") or [],
        "metrics": sorted((trace.get("metrics") or {}).items()),
        "attempt": getattr(run, "challenge_attempt", None),
    }
