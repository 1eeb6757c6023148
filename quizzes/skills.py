"""The DVA-C02 exam skills a question may test (v2.1 numbering) and the four domains they belong to."""

from __future__ import annotations

DOMAINS = {
    "1": "Development with AWS Services",
    "2": "Security",
    "3": "Deployment",
    "4": "Troubleshooting and Optimization",
}

# Skill id -> a short label in our own words. Ids from the exam guide's task tables (exam-content.md).
SKILLS = {
    "1.1.2": "Stateful and stateless application design",
    "1.1.4": "Synchronous and asynchronous patterns",
    "1.1.5": "Fault-tolerant application code",
    "1.1.7": "Unit tests with AWS SAM",
    "1.1.8": "Messaging between services",
    "1.1.10": "Streaming data",
    "1.1.12": "Event-driven patterns with EventBridge",
    "1.1.13": "Retries, circuit breakers and error handling",
    "1.2.1": "Reaching private VPC resources from Lambda",
    "1.2.2": "Configuring Lambda functions",
    "1.2.3": "Event lifecycle and errors in code",
    "1.2.4": "Writing and running test code",
    "1.2.5": "Integrating Lambda with AWS services",
    "1.2.6": "Tuning Lambda performance",
    "1.2.7": "Near-real-time data processing with Lambda",
    "2.1.4": "Authenticated calls to AWS services",
    "2.1.5": "Assuming IAM roles",
    "2.1.6": "Permissions for principals",
    "2.1.8": "Authorization between services",
    "2.3.2": "Encrypting sensitive environment variables",
    "2.3.3": "Secret management services",
    "2.3.4": "Sanitising sensitive data",
    "2.3.5": "Masking sensitive data",
    "3.1.1": "Dependencies in the deployment package",
    "3.1.4": "Resource requirements (memory, cores)",
    "3.1.5": "Environment-specific configuration",
    "3.2.1": "Testing deployed code",
    "3.2.2": "Integration tests with mocks",
    "3.2.4": "Deploying SAM to a staging environment",
    "3.2.5": "Testing event-driven applications",
    "3.3.1": "Application test events",
    "3.3.3": "Approved versions for integration tests (aliases)",
    "3.3.4": "Infrastructure as code with SAM and CloudFormation",
    "3.4.1": "Lambda deployment packaging options",
    "3.4.5": "Deployment strategies",
    "3.4.8": "Traffic shifting and rollback",
    "3.4.10": "API Gateway stage variables",
    "3.4.11": "Rolling back deployments",
    "4.1.2": "Metrics, logs and traces",
    "4.1.3": "Querying logs",
    "4.1.4": "Custom metrics (EMF)",
    "4.1.7": "Debugging service integrations",
    "4.2.4": "Tracing annotations",
    "4.2.6": "Tracing",
    "4.2.7": "Structured logging",
    "4.3.1": "Defining concurrency",
    "4.3.2": "Profiling performance",
    "4.3.3": "Minimum memory and compute power",
    "4.3.6": "Application-level caching",
    "4.3.8": "Performance analysis from logs",
    "4.3.9": "Performance analysis from metrics",
}


def domain_of(skill: str) -> str:
    return DOMAINS.get(skill.split(".", 1)[0], "Other")


def label_of(skill: str) -> str:
    return SKILLS.get(skill, skill)
