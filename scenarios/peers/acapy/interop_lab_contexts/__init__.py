"""ACA-Py plugin: serves the lab's bundled JSON-LD contexts to ACA-Py's document loader.

ACA-Py bundles only a few contexts and fetches any other over the network. The lab's credentials use
https://interop-lab.ca/contexts/credentials/v1 and the Bitstring Status List v1 context, which an offline
peer cannot fetch. This plugin answers those URLs from a JSON file {url: document} named by the
INTEROP_LAB_JSONLD_CONTEXTS environment variable (tests/support/acapy.ts writes it from
common/jsonld/contexts/); every other URL goes to ACA-Py's own loader, unchanged.

Start ACA-Py with `--plugin interop_lab_contexts` and this directory's parent on PYTHONPATH.
"""

import json
import os

from acapy_agent.config.injection_context import InjectionContext
from acapy_agent.core.event_bus import EventBus
from acapy_agent.core.profile import Profile
from acapy_agent.core.util import STARTUP_EVENT_PATTERN
from acapy_agent.vc.ld_proofs.document_downloader import StaticCacheJsonLdDownloader
from acapy_agent.vc.ld_proofs.document_loader import DocumentLoader


class LabContextsDocumentLoader(DocumentLoader):
    """ACA-Py's document loader, with the lab's contexts answered locally."""

    def __init__(self, profile: Profile, contexts: dict) -> None:
        super().__init__(profile)
        self.contexts = contexts

    def _load_http_document(self, url: str, options: dict):
        document = self.contexts.get(url)
        # ACA-Py's own bundled copy wins: the plugin only adds what ACA-Py would fetch
        if document is None or url in StaticCacheJsonLdDownloader.CONTEXT_FILE_MAPPING:
            return super()._load_http_document(url, options)
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": document}


async def setup(context: InjectionContext) -> None:
    path = os.environ.get("INTEROP_LAB_JSONLD_CONTEXTS")
    if not path:
        raise ValueError("interop_lab_contexts: set INTEROP_LAB_JSONLD_CONTEXTS to a JSON file {url: context document}")
    with open(path, encoding="utf-8") as stream:
        contexts = json.load(stream)

    # the conductor binds its DocumentLoader after plugins are set up: replace it once the agent has started
    async def bind_loader(profile: Profile, _event) -> None:
        profile.context.injector.bind_instance(DocumentLoader, LabContextsDocumentLoader(profile, contexts))

    context.inject(EventBus).subscribe(STARTUP_EVENT_PATTERN, bind_loader)
