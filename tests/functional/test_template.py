"""template.yaml: it lints clean, the SAM translator accepts it offline, and it agrees with the code.

The table's keys come from skill/store/dynamodb/table.py, the alarms' metric names from
skill/observability.py and the functions' settings from skill/settings.py: each test here fails the moment
the template and the code drift apart.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

from skill import settings
from skill.observability import METRICS_NAMESPACE, MetricName
from skill.settings import WEBHOOK_SECRET_ARN
from skill.store.dynamodb.table import TABLE_DEFINITION, TTL_ATTRIBUTE

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
PARAMETERS = {
    "SkillId": "amzn1.ask.skill.00000000-0000-0000-0000-000000000000",
    "SesIdentity": "example.org",
    "SesFromAddress": "alerts@example.org",
}
FUNCTIONS = {"SkillFunction": "SkillRole", "SweepFunction": "SweepRole", "WebFunction": "WebRole",
             # the fanned-out sweep (SweepShards > 0): its workers do the sweep's job, with the sweep's role
             "SweepDispatcherFunction": "SweepDispatcherRole", "SweepWorkerFunction": "SweepRole"}
NEW_ACCOUNT_CONCURRENCY = 1000  # the quota an account has once raised (a brand-new one has 10)
LAMBDA_UNRESERVED_MINIMUM = 100  # Lambda keeps 100 unreserved in a raised account


class NoManagedPolicies:
    """Stands in for the translator's ManagedPolicyLoader, which would ask IAM: this template uses none."""

    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml_parse(TEMPLATE.read_text(encoding="utf-8"))
    return parsed


@pytest.fixture(scope="module")
def transformed(template: dict[str, Any]) -> dict[str, Any]:
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    try:
        # `sam deploy` uploads build/lambda.zip and puts its S3 address in CodeUri before the transform.
        packaged = copy.deepcopy(template)
        packaged["Globals"]["Function"]["CodeUri"] = "s3://deploy-bucket/lambda.zip"
        transformed: dict[str, Any] = transform(packaged, PARAMETERS, NoManagedPolicies())
        return transformed
    finally:
        monkeypatch.undo()


def resources_of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def statements(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    policies = template["Resources"][role]["Properties"]["Policies"]
    return [s for policy in policies for s in policy["PolicyDocument"]["Statement"]]


def test_cfn_lint_reports_nothing() -> None:
    # GIVEN the template as an operator would deploy it
    cfn_lint = Path(sys.executable).with_name("cfn-lint")

    # WHEN cfn-lint checks it, warnings included
    result = subprocess.run([str(cfn_lint), str(TEMPLATE)], capture_output=True, text=True, check=False)

    # THEN it finds no error and no warning
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_table_keys_are_the_stores_table_definition(template: dict[str, Any]) -> None:
    # GIVEN the table in the template and the definition the DynamoDB store creates its tables with
    table = template["Resources"]["Table"]["Properties"]

    # THEN keys, indexes and billing are identical, so the deployed table serves every store query
    assert table["AttributeDefinitions"] == TABLE_DEFINITION["AttributeDefinitions"]
    assert table["KeySchema"] == TABLE_DEFINITION["KeySchema"]
    assert table["GlobalSecondaryIndexes"] == TABLE_DEFINITION["GlobalSecondaryIndexes"]
    assert table["BillingMode"] == TABLE_DEFINITION["BillingMode"]
    # AND expired link codes and outbox rows are removed by the attribute the store writes
    assert table["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}


def test_table_survives_mistakes(template: dict[str, Any]) -> None:
    # GIVEN the table resource
    table = template["Resources"]["Table"]

    # THEN neither a stack deletion nor an accidental delete can lose dose history, and it is recoverable
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    assert table["Properties"]["DeletionProtectionEnabled"] is True
    assert table["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["Properties"]["SSESpecification"] == {"SSEEnabled": True}


def load_build_script() -> Any:
    """scripts/build_lambda.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("build_lambda", ROOT / "scripts" / "build_lambda.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


def test_sam_translator_produces_the_three_functions_on_arm64(transformed: dict[str, Any]) -> None:
    # GIVEN the template transformed offline by the SAM translator, and the Python the build compiles for
    functions = resources_of_type(transformed, "AWS::Lambda::Function")
    runtime = f"python{load_build_script().LAMBDA_PYTHON}"

    # THEN there are the three functions, each on the Python the artefact's .pyc files are written for,
    # on arm64, with its own role and log group
    assert set(functions) == set(FUNCTIONS)
    assert runtime == "python3.12"
    for name, function in functions.items():
        properties = function["Properties"]
        assert properties["Runtime"] == runtime
        assert properties["Architectures"] == ["arm64"]
        assert properties["Role"] == {"Fn::GetAtt": [FUNCTIONS[name], "Arn"]}
        assert properties["LoggingConfig"]["LogGroup"] == {"Ref": name.replace("Function", "LogGroup")}
    # AND the sweep never runs twice at once
    sweep = functions["SweepFunction"]["Properties"]
    assert sweep["ReservedConcurrentExecutions"] == {
        "Fn::If": ["ReservesSweepConcurrency", {"Ref": "SweepReservedConcurrency"}, {"Ref": "AWS::NoValue"}]
    }


def test_the_skill_keeps_its_concurrency_and_the_web_is_capped(
        template: dict[str, Any], transformed: dict[str, Any]) -> None:
    # GIVEN the functions after the transform and the template's parameters
    functions = resources_of_type(transformed, "AWS::Lambda::Function")
    parameters = template["Parameters"]

    # THEN the skill and the web app each reserve concurrency from a parameter, which 0 turns off (for an
    # account still on the new-account quota of 10, where Lambda lets nothing be reserved)
    for name in ("Skill", "Web"):
        reserved = functions[f"{name}Function"]["Properties"]["ReservedConcurrentExecutions"]
        assert reserved == {"Fn::If": [f"Reserves{name}Concurrency", {"Ref": f"{name}ReservedConcurrency"},
                                       {"Ref": "AWS::NoValue"}]}
        condition = transformed["Conditions"][f"Reserves{name}Concurrency"]
        assert condition == {"Fn::Not": [{"Fn::Equals": [{"Ref": f"{name}ReservedConcurrency"}, 0]}]}
        assert parameters[f"{name}ReservedConcurrency"]["MinValue"] == 0
    # AND by default the skill is guaranteed more than the web may take, and all three fit a raised account
    defaults = {name: parameters[f"{name}ReservedConcurrency"]["Default"] for name in ("Skill", "Web", "Sweep")}
    assert defaults["Skill"] > defaults["Web"] > 0 and defaults["Sweep"] == 1
    assert sum(defaults.values()) <= NEW_ACCOUNT_CONCURRENCY - LAMBDA_UNRESERVED_MINIMUM


def test_every_function_has_a_throttle_alarm(template: dict[str, Any]) -> None:
    # GIVEN the alarms on Lambda's Throttles metric
    alarms = resources_of_type(template, "AWS::CloudWatch::Alarm").values()
    throttles = [a["Properties"] for a in alarms if a["Properties"]["MetricName"] == "Throttles"]

    # THEN each function has one, raised by a single throttled invocation and sent to the alarm topic
    assert sorted(str(p["Dimensions"]) for p in throttles) == sorted(
        str([{"Name": "FunctionName", "Value": {"Ref": f}}]) for f in FUNCTIONS)
    for properties in throttles:
        assert properties["Namespace"] == "AWS/Lambda"
        assert properties["Statistic"] == "Sum"
        assert properties["Threshold"] == 1
        assert properties["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert properties["TreatMissingData"] == "notBreaching"
        assert properties["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_the_http_api_logs_each_request_without_health_data_or_secrets(transformed: dict[str, Any]) -> None:
    # GIVEN the HTTP API's stage after the transform
    [stage] = resources_of_type(transformed, "AWS::ApiGatewayV2::Stage").values()
    settings_ = stage["Properties"]["AccessLogSettings"]

    # THEN access logs go to their own log group, kept as long as the functions' logs
    assert settings_["DestinationArn"] == {"Fn::GetAtt": ["WebAccessLogGroup", "Arn"]}
    group = transformed["Resources"]["WebAccessLogGroup"]["Properties"]
    assert group["RetentionInDays"] == {"Ref": "LogRetentionInDays"}
    # AND each line is JSON with the request id (to find the function's log line), status and latency
    fields = json.loads(re.sub(r"\$context\.[A-Za-z.]+", "x", settings_["Format"]))
    assert {"requestId", "status", "latencyMs", "method"} <= set(fields)
    # AND nothing that can carry health data or a secret: no path (invitations and feeds carry tokens in
    # it), no query string, no body, no headers or cookies, no authorizer claims
    variables = set(re.findall(r"\$context\.([A-Za-z.]+)", settings_["Format"]))
    assert variables <= {
        "requestId", "requestTime", "identity.sourceIp", "httpMethod", "protocol", "status", "responseLength",
        "responseLatency", "integrationLatency", "integrationErrorMessage",
    }


def test_only_the_configured_skill_can_invoke_the_skill_function(transformed: dict[str, Any]) -> None:
    # GIVEN the invoke permissions the translator made
    permissions = resources_of_type(transformed, "AWS::Lambda::Permission").values()

    # WHEN we pick the one for Alexa
    alexa = [p["Properties"] for p in permissions if p["Properties"]["Principal"] == "alexa-appkit.amazon.com"]

    # THEN it is bound to the skill id parameter and to the skill function only
    assert len(alexa) == 1
    assert alexa[0]["EventSourceToken"] == {"Ref": "SkillId"}
    assert alexa[0]["FunctionName"] == {"Ref": "SkillFunction"}


def test_sweep_runs_every_five_minutes(transformed: dict[str, Any]) -> None:
    # GIVEN the EventBridge rules the translator made
    rules = resources_of_type(transformed, "AWS::Events::Rule").values()

    # THEN every five minutes one rule runs the sweep, or, once it is fanned out, the dispatcher instead
    schedules = {r["Properties"]["Targets"][0]["Arn"]["Fn::GetAtt"][0]: r["Properties"] for r in rules}
    assert {name: p["ScheduleExpression"] for name, p in schedules.items()} == {
        "SweepFunction": "rate(5 minutes)", "SweepDispatcherFunction": "rate(5 minutes)"}
    assert schedules["SweepFunction"]["State"] == {"Fn::If": ["FansOutSweep", "DISABLED", "ENABLED"]}


def test_web_app_is_served_by_an_http_api_with_payload_v2(transformed: dict[str, Any]) -> None:
    # GIVEN the HTTP API the translator made
    apis = resources_of_type(transformed, "AWS::ApiGatewayV2::Api")

    # THEN every route goes to the web function with payload format 2.0 (what apig-wsgi's v2 path expects)
    body = apis["WebApi"]["Properties"]["Body"]
    integration = body["paths"]["$default"]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]
    assert integration["payloadFormatVersion"] == "2.0"
    assert "WebFunction.Arn" in str(integration["uri"])


def test_no_role_grants_a_wildcard_action(template: dict[str, Any]) -> None:
    # GIVEN every statement of every role
    for role in FUNCTIONS.values():
        for statement in statements(template, role):
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            # THEN each action is named in full
            assert all("*" not in action for action in actions), (role, statement["Sid"])


def test_each_role_reaches_only_its_own_resources(template: dict[str, Any]) -> None:
    # GIVEN the statements of the three roles
    allowed = {
        role: {s["Sid"]: s for s in statements(template, role) if s["Effect"] == "Allow"}
        for role in FUNCTIONS.values()
    }

    # THEN DynamoDB actions reach only the table and its named indexes
    table_resources = [{"Fn::GetAtt": ["Table", "Arn"]}, {"Fn::Sub": "${Table.Arn}/index/GSI1"},
                       {"Fn::Sub": "${Table.Arn}/index/GSI2"}]
    for role_statements in allowed.values():
        for statement in role_statements.values():
            if any(a.startswith("dynamodb:") for a in statement["Action"]):
                assert all(resource in table_resources for resource in statement["Resource"])
    # AND only the web app reads the session key, only the sweep the webhook key
    assert allowed["WebRole"]["ReadSessionKey"]["Resource"] == {"Ref": "SessionKeySecret"}
    assert allowed["SweepRole"]["ReadWebhookSigningKey"]["Resource"] == {"Ref": "WebhookSigningKeySecret"}
    assert not any("secretsmanager" in str(s) for s in allowed["SkillRole"].values())
    # AND only the sweep sends email, from the configured identity, and SMS, but to no SNS topic
    assert allowed["SweepRole"]["SendEmail"]["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${SesIdentity}"
    }
    denied = [s for s in statements(template, "SweepRole") if s["Effect"] == "Deny"]
    assert denied == [{"Sid": "NoTopicPublishing", "Effect": "Deny", "Action": "sns:Publish",
                       "Resource": {"Fn::Sub": "arn:${AWS::Partition}:sns:*:*:*"}}]
    assert not any("ses:" in str(s) or "sns:" in str(s) for role in ("SkillRole", "WebRole")
                   for s in allowed[role].values())


def test_alarms_watch_the_metrics_the_code_emits(template: dict[str, Any]) -> None:
    # GIVEN the alarms on DoseKeeper's own metrics and the service name every function logs under
    alarms = resources_of_type(template, "AWS::CloudWatch::Alarm")
    service = template["Globals"]["Function"]["Environment"]["Variables"][settings.POWERTOOLS_SERVICE_NAME]
    custom = {name: a["Properties"] for name, a in alarms.items()
              if not a["Properties"]["Namespace"].startswith("AWS/")}

    # THEN they name metrics the code emits, in its namespace, with the one dimension Powertools adds
    assert {p["MetricName"] for p in custom.values()} == {
        MetricName.SWEEPS_COMPLETED.value, MetricName.ALERT_DELIVERY_FAILURES.value
    }
    for properties in custom.values():
        assert properties["Namespace"] == METRICS_NAMESPACE
        assert properties["Dimensions"] == [{"Name": "service", "Value": service}]
    # AND a sweep that stops running raises the alarm even though it then sends no data at all
    assert alarms["SweepNotRunAlarm"]["Properties"]["TreatMissingData"] == "breaching"
    assert alarms["SweepNotRunAlarm"]["Properties"]["Period"] == 15 * 60
    # AND errors of the sweep and of the skill are watched
    watched = {str(a["Properties"]["Dimensions"][0]["Value"]) for a in alarms.values()
               if a["Properties"]["Namespace"] == "AWS/Lambda"}
    assert {"{'Ref': 'SweepFunction'}", "{'Ref': 'SkillFunction'}"} <= watched


def test_functions_read_only_settings_the_code_knows(template: dict[str, Any]) -> None:
    # GIVEN every environment variable the template sets
    names = set(template["Globals"]["Function"]["Environment"]["Variables"])
    for function in FUNCTIONS:
        names |= set(template["Resources"][function]["Properties"]["Environment"]["Variables"])

    # THEN each is a name the code reads (skill/settings.py, or the sweep's own while it is not there)
    known = {value for value in vars(settings).values() if isinstance(value, str)}
    known |= {WEBHOOK_SECRET_ARN, "POWERTOOLS_LOG_LEVEL"}
    assert names <= known


def test_handlers_named_in_the_template_exist(template: dict[str, Any]) -> None:
    # GIVEN each function's handler setting, module.function
    for function in FUNCTIONS:
        module, _, attribute = template["Resources"][function]["Properties"]["Handler"].partition(".")
        source = (ROOT / "lambda" / f"{module}.py").read_text(encoding="utf-8")

        # THEN the module is an entry point in lambda/ that defines that function
        assert f"def {attribute}(" in source


def test_outputs_give_what_an_operator_needs_next(transformed: dict[str, Any]) -> None:
    # GIVEN the stack outputs
    outputs = transformed["Outputs"]

    # THEN they give the skill endpoint ARN, the web URL and the table name
    assert outputs["SkillFunctionArn"]["Value"] == {"Fn::GetAtt": ["SkillFunction", "Arn"]}
    assert outputs["WebUrl"]["Value"] == {
        "Fn::Sub": "https://${WebApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/"
    }
    assert outputs["TableName"]["Value"] == {"Ref": "Table"}


def test_log_groups_keep_logs_for_a_bounded_time(template: dict[str, Any]) -> None:
    # GIVEN the log groups
    groups = resources_of_type(template, "AWS::Logs::LogGroup")

    # THEN there is one per function and one for the HTTP API's access log, each with the retention parameter
    assert set(groups) == {f.replace("Function", "LogGroup") for f in FUNCTIONS} | {"WebAccessLogGroup"}
    assert all(g["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionInDays"} for g in groups.values())


def test_the_fanned_out_sweep_deploys_with_a_dead_letter_queue_and_least_privilege(
        template: dict[str, Any], transformed: dict[str, Any]) -> None:
    # GIVEN the fan-out's resources, all present only when SweepShards > 0
    resources = template["Resources"]
    fan_out = ("SweepQueue", "SweepDeadLetterQueue", "SweepDispatcherRole", "SweepWorkerQueuePolicy",
               "SweepDispatcherFunction", "SweepWorkerFunction", "SweepDeadLetterAlarm")
    assert all(resources[name]["Condition"] == "FansOutSweep" for name in fan_out)
    assert template["Parameters"]["SweepShards"]["Default"] == 0  # existing stacks keep the single sweep

    # THEN every function writes doses to the shards the workers read
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables[settings.DUE_SHARDS] == {"Fn::If": ["FansOutSweep", {"Ref": "SweepShards"}, "1"]}
    # AND a worker takes one shard at a time from the queue, at most SweepWorkerConcurrency at once
    mappings = resources_of_type(transformed, "AWS::Lambda::EventSourceMapping").values()
    [mapping] = [m["Properties"] for m in mappings]
    assert mapping["FunctionName"] == {"Ref": "SweepWorkerFunction"}
    assert mapping["BatchSize"] == 1
    assert mapping["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "SweepWorkerConcurrency"}
    worker = resources["SweepWorkerFunction"]["Properties"]
    assert worker["ReservedConcurrentExecutions"] == {"Ref": "SweepWorkerConcurrency"}
    # AND a shard that fails three times is parked in the dead-letter queue, which alarms
    queue = resources["SweepQueue"]["Properties"]
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": ["SweepDeadLetterQueue", "Arn"]},
                                      "maxReceiveCount": 3}
    assert queue["VisibilityTimeout"] >= 6 * worker["Timeout"]
    dlq_alarm = resources["SweepDeadLetterAlarm"]["Properties"]
    assert dlq_alarm["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["SweepDeadLetterQueue", "QueueName"]}
    # AND the dispatcher may only send to the queue (it never touches the table), the workers only consume it
    dispatcher = {s["Sid"]: s for s in statements(template, "SweepDispatcherRole")}
    assert dispatcher["SendShardMessages"]["Action"] == ["sqs:SendMessage"]
    assert dispatcher["SendShardMessages"]["Resource"] == {"Fn::GetAtt": ["SweepQueue", "Arn"]}
    assert not any("dynamodb:" in str(s) or "secretsmanager" in str(s) for s in dispatcher.values())
    worker_policy = resources["SweepWorkerQueuePolicy"]["Properties"]
    assert worker_policy["RoleName"] == {"Ref": "SweepRole"}
    consume = {s["Sid"]: s for s in worker_policy["PolicyDocument"]["Statement"]}["ConsumeShardMessages"]
    assert consume["Action"] == ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
    assert consume["Resource"] == {"Fn::GetAtt": ["SweepQueue", "Arn"]}
