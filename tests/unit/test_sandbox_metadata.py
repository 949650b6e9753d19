"""The sandbox API server picks the form of an answer from the Accept header as
kube-apiserver does: the first media type it can serve wins; a header naming only forms it
cannot serve is refused (406), never answered with whole objects."""

from __future__ import annotations

import pytest

from oc_console.sandbox.kube.errors import ApiError
from oc_console.sandbox.kube.metadata import METADATA, OBJECT, TABLE, negotiate
from oc_console.sources.kube.client import METADATA_LIST, METADATA_OBJECT

KUBECTL = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,"
    "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
)


@pytest.mark.parametrize(
    ("accept", "verb", "answer"),
    [
        ("application/json", "list", (OBJECT, None)),
        ("", "get", (OBJECT, None)),
        (KUBECTL, "watch", (TABLE, "v1")),
        (METADATA_LIST, "list", (METADATA, "v1")),
        (METADATA_OBJECT, "watch", (METADATA, "v1")),
        (METADATA_OBJECT, "get", (METADATA, "v1")),
        # client-go's metadata client: protobuf first (not served here), then JSON forms
        (
            "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,"
            + METADATA_LIST
            + ",application/json",
            "list",
            (METADATA, "v1"),
        ),
        (METADATA_OBJECT + ",application/json", "list", (OBJECT, None)),  # its own fallback
    ],
)
def test_the_first_servable_form_wins(accept: str, verb: str, answer: tuple[str, str]) -> None:
    assert negotiate(accept, verb) == answer


@pytest.mark.parametrize(
    ("accept", "verb"),
    [
        (METADATA_OBJECT, "list"),  # a list is a PartialObjectMetadataList
        (METADATA_LIST, "watch"),  # a watch event carries one object
        ("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v9", "list"),
    ],
)
def test_only_unservable_forms_are_refused(accept: str, verb: str) -> None:
    with pytest.raises(ApiError) as err:
        negotiate(accept, verb)
    assert err.value.code == 406
