"""A real S3 endpoint for the tests: moto's server on loopback, and what the tests read of it.

The document and report tests run twice (tests/conftest.py, `object_store`): on the local disk,
and against this endpoint with STORAGES["documents"] and ["reports"] set as OBJECT_STORAGE_BUCKET
sets them, each test under a prefix of its own. moto answers the S3 protocol over HTTP like a
bucket of the city's store would; nothing leaves the machine.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath
from typing import Any

import boto3
from botocore.config import Config
from django.core.files.storage import storages

BUCKET = "portal-test"
REGION = "eu-central-1"
KEY = "testing"  # moto takes any credentials; these only sign the requests


class MotoS3:
    """moto's S3 on 127.0.0.1 (a free port the system gives), with the test bucket."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        # One boto3 session for every storage of the tests: a new one loads the S3 model
        # again (0.2 s a test); what each test configures is still its own.
        self.session = boto3.session.Session(
            aws_access_key_id=KEY, aws_secret_access_key=KEY, region_name=REGION
        )
        # ... and one client, shared by the [s3] tests' storages (`object_store`): each would
        # make its own (0.1 s) otherwise. tests/test_object_storage.py builds them as configured.
        self.resource = self.session.resource(
            "s3",
            endpoint_url=self.endpoint,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )
        self.client().create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )

    def client(self) -> Any:
        return self.session.client("s3", endpoint_url=self.endpoint)

    def keys(self, prefix: str) -> list[str]:
        """Every object under `prefix` in the bucket."""
        pages = (
            self.client().get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
        )
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def stop(self) -> None:
        self._server.stop()


def s3_storage(
    endpoint: str,
    location: str,
    *,
    bucket: str = BUCKET,
    timeout: float = 5,
    attempts: int = 2,
) -> dict[str, Any]:
    """A STORAGES entry as OBJECT_STORAGE_BUCKET makes it (hamburg_digital/settings.py)."""
    return {
        "BACKEND": "core.object_storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "region_name": REGION,
            "access_key": KEY,
            "secret_key": KEY,
            "location": location,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "client_config": Config(
                connect_timeout=timeout,
                read_timeout=timeout,
                retries={"max_attempts": attempts, "mode": "standard"},
                s3={"addressing_style": "path"},
            ),
        },
    }


def s3_storages(endpoint: str, **options: Any) -> tuple[str, dict[str, Any]]:
    """Documents and reports in the bucket under a new prefix: (prefix, STORAGES entries)."""
    prefix = f"t-{uuid.uuid4().hex[:12]}"
    return prefix, {
        # A document's name begins with "documents/" (documents.services): the prefix alone.
        "documents": s3_storage(endpoint, prefix, **options),
        "reports": s3_storage(endpoint, f"{prefix}/reports", **options),
    }


def stored_names(alias: str, directory: str = "") -> list[str]:
    """Every file of STORAGES[alias], through the storage API (the disk or the bucket)."""
    store = storages[alias]
    try:
        directories, names = store.listdir(directory)
    except FileNotFoundError:
        return []
    prefix = f"{directory}/" if directory else ""
    found = [f"{prefix}{name}" for name in names]
    for sub in directories:
        found += stored_names(alias, f"{prefix}{sub}")
    return sorted(found)


def read(alias: str, name: str) -> bytes:
    with storages[alias].open(name, "rb") as handle:
        data: bytes = handle.read()
    return data


def basename(name: str) -> str:
    return PurePosixPath(name).name
