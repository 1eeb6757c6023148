from django.urls import path

from sandbox import views

app_name = "sandbox"
urlpatterns = [
    path("", views.sandbox_home, name="sandbox-home"),
    # /sandbox/presets/ and /sandbox/challenges/: the shared catalogue
    path("presets/<slug:name>/", views.preset_detail, name="preset-detail"),
    path("presets/<slug:name>/try/", views.preset_try, name="preset-try"),
    path("demos/<slug:name>/", views.demo_try, name="demo-try"),
    path("challenges/", views.challenge_list, name="challenge-list"),
    path("challenges/<slug:slug>/", views.challenge_detail, name="challenge-detail"),
    path("challenges/<slug:slug>/start/", views.challenge_start, name="challenge-start"),
    # /sandbox/workspaces/<uuid>/: one student's workspace
    path("workspaces/<uuid:workspace_id>/", views.workspace_detail, name="workspace-detail"),
    path("workspaces/<uuid:workspace_id>/replay/", views.workspace_replay, name="workspace-replay"),
    path("workspaces/<uuid:workspace_id>/reset/", views.workspace_reset, name="workspace-reset"),
    path("workspaces/<uuid:workspace_id>/restore/", views.workspace_restore, name="workspace-restore"),
    path("workspaces/<uuid:workspace_id>/grade/", views.workspace_grade, name="workspace-grade"),
    path("workspaces/<uuid:workspace_id>/world/", views.workspace_world, name="workspace-world"),
    path("workspaces/<uuid:workspace_id>/functions/new/", views.function_create, name="function-create"),
    path("workspaces/<uuid:workspace_id>/functions/<str:name>/", views.function_detail, name="function-detail"),
    path("workspaces/<uuid:workspace_id>/events/", views.workspace_events, name="workspace-events"),
    path("workspaces/<uuid:workspace_id>/invoke/", views.workspace_invoke, name="workspace-invoke"),
    path("workspaces/<uuid:workspace_id>/resources/", views.workspace_resources, name="workspace-resources"),
    path("workspaces/<uuid:workspace_id>/resources/<slug:action>/", views.resource_action, name="resource-action"),
    path("workspaces/<uuid:workspace_id>/network/", views.workspace_network, name="workspace-network"),
    path("workspaces/<uuid:workspace_id>/network/<slug:action>/", views.network_action, name="network-action"),
    # /sandbox/workspaces/<uuid>/url/<url-id>/...: a function URL, reachable as its auth type allows
    path("workspaces/<uuid:workspace_id>/url/<slug:url_id>", views.function_url),  # the bare address, as on AWS
    path("workspaces/<uuid:workspace_id>/url/<slug:url_id>/", views.function_url, name="function-url"),
    path("workspaces/<uuid:workspace_id>/url/<slug:url_id>/<path:path>", views.function_url, name="function-url-path"),
    # /sandbox/aws/<uuid>/...: the workspace's AWS endpoint (boto3's and the AWS CLI's endpoint URL)
    path("aws/<uuid:workspace_id>", views.aws_api),
    path("aws/<uuid:workspace_id>/", views.aws_api, name="aws-endpoint"),
    path("aws/<uuid:workspace_id>/<path:path>", views.aws_api, name="aws-endpoint-path"),
    # /sandbox/runs/<uuid>/: a run's results and its polling status
    path("runs/<uuid:run_id>/", views.run_detail, name="run-detail"),
    path("runs/<uuid:run_id>/status/", views.run_status, name="run-status"),
]
