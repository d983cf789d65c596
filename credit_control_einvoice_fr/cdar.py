"""The CDAR messages and the AFNOR XP Z12-013 flow API, through pyfrctc.

Everything that knows the message format or the API stays here, so that
the models speak of invoices and statuses only."""

import datetime
import importlib.resources
import json
import logging
import os
import subprocess
import sys
import tempfile

from lxml import etree

from .const import (
    ACK_TYPE_PROCESSING,
    AMOUNT_COLLECTED,
    BUSINESS_PROCESS,
    GUIDELINE,
    INVOICE_TYPE,
    SCHEME_ELECTRONIC_ADDRESS,
    SCHEME_SIREN,
)

_logger = logging.getLogger(__name__)

try:
    import pyfrctc
    from pyfrctc.pyfrctc import CDAR_NS_MAP, CDAR_XSLT_FILE, PLATFORMS
except ImportError:  # the manifest's external dependency tells the user
    pyfrctc = None
    CDAR_NS_MAP = PLATFORMS = {}
    CDAR_XSLT_FILE = None

FLOW_TYPE_LIFECYCLE = "CustomerInvoiceLC"
SCHEMATRON_RUNNER = os.path.join(os.path.dirname(__file__), "schematron.py")
# the first run of SaxonC on a loaded machine takes seconds, not minutes
SCHEMATRON_TIMEOUT = 120
SVRL_NS = {"svrl": "http://purl.oclc.org/dsdl/svrl"}


class CdarError(Exception):
    """A message that is not a valid CDAR message, or that cannot be sent."""


def parse(content, saxon_url=None):
    """Validate ``content`` (bytes) against the CDAR schema (and the
    BR-FR-CDV schematron when a Saxon server is configured) and return
    pyfrctc's parsed dictionary, with the referenced invoice's issue date
    (MDT-100, which pyfrctc does not read) as ``invoice_date``."""
    try:
        parsed = pyfrctc.parse_cdar(
            content, check_xsd=True, check_schematron=bool(saxon_url), saxon_server_url=saxon_url,
        )
        root = etree.fromstring(content)
    except Exception as error:  # pyfrctc raises plain exceptions with the reason
        raise CdarError(str(error)) from error
    found = root.xpath(
        "//rsm:AcknowledgementDocument/ram:ReferenceReferencedDocument/ram:FormattedIssueDateTime/"
        "qdt:DateTimeString", namespaces=CDAR_NS_MAP,
    )
    parsed["invoice_date"] = False
    if found and (found[0].text or "").strip():
        try:
            parsed["invoice_date"] = datetime.datetime.strptime(found[0].text.strip(), "%Y%m%d").date()
        except ValueError as error:
            raise CdarError(str(error)) from error
    if not parsed.get("invoice_number") or not parsed.get("status_code"):
        raise CdarError("the message names no invoice (MDT-87) or no status (MDT-105)")
    return parsed


def build(values, saxon_url=None):
    """The CDAR message of ``values``, validated before it leaves.

    :param values: dict with ``identifier``, ``when`` (datetime, UTC),
        ``seller`` and ``buyer`` (dicts of ``siren``, ``name``), ``buyer_address``
        (electronic address, default the buyer's SIREN), ``invoice_number``,
        ``invoice_date``, ``status_code``, ``status_name`` and ``collected``
        (list of ``(amount, currency, vat_rate)``, for a 212)
    """
    data = {
        "MDT-2": BUSINESS_PROCESS,
        "MDT-3": GUIDELINE,
        "MDT-4": values["identifier"],
        "MDT-8": values["when"],
        "MDT-21": "SE",
        "MDT-38": {SCHEME_SIREN: values["seller"]["siren"]},
        "MDT-39": values["seller"]["name"],
        "MDT-40": "SE",
        "MDT-57": {SCHEME_SIREN: values["buyer"]["siren"]},
        "MDT-58": values["buyer"]["name"],
        "MDT-59": "BY",
        "MDT-73": values.get("buyer_address") or values["buyer"]["siren"],
        "MDT-73-1": SCHEME_ELECTRONIC_ADDRESS,
        "MDT-74": False,
        "MDT-77": ACK_TYPE_PROCESSING,
        "MDT-78": values["when"],
        "MDT-87": values["invoice_number"],
        "MDT-91": INVOICE_TYPE,
        "MDT-100": values["invoice_date"],
        "MDT-105": values["status_code"],
        "MDT-106": values["status_name"],
        "MDT-129": {SCHEME_SIREN: values["seller"]["siren"]},
    }
    collected = values.get("collected") or []
    if collected:
        data["MDG-37"] = [{"MDG-43": [
            {"MDT-207": AMOUNT_COLLECTED, "MDT-215": {"float": amount, "currency": currency}}
            for amount, currency, _rate in collected
        ]}]
    try:
        # pyfrctc does not write the VAT rate of a collected amount (MDT-224,
        # required by BR-FR-CDV-14): it is added below, then the whole
        # message is checked against the schema and the schematron.
        content = pyfrctc.generate_cdar(data, check_xsd=False)
        if collected:
            content = _add_vat_rates(content, [rate for _amount, _currency, rate in collected])
        pyfrctc.check_cdar_xsd(content)
        if saxon_url:
            pyfrctc.check_cdar_schematron(content, saxon_server_url=saxon_url, raise_if_http_error=True)
    except Exception as error:
        raise CdarError(str(error)) from error
    if not saxon_url:
        check_schematron(content)
    return content


def check_schematron(content):
    """Check a CDAR message (bytes) against the BR-FR-CDV schematron that
    pyfrctc ships, with SaxonC-HE in a child process (see schematron.py).

    :raise CdarError: listing the rules the message breaks (their fatal
        assertions; the warnings are not errors), or why the check could not
        run: a message that was not checked does not leave
    """
    stylesheet = importlib.resources.files("pyfrctc").joinpath(CDAR_XSLT_FILE)
    with tempfile.TemporaryDirectory(prefix="cdar-") as folder:
        path = os.path.join(folder, "message.xml")
        with open(path, "wb") as file:
            file.write(content)
        try:
            result = subprocess.run(
                [sys.executable, SCHEMATRON_RUNNER, str(stylesheet), path],
                capture_output=True, timeout=SCHEMATRON_TIMEOUT, check=False,
            )
        except (OSError, subprocess.SubprocessError) as error:
            raise CdarError(f"the BR-FR-CDV schematron could not be run: {error}") from error
    if result.returncode:
        reason = (result.stderr.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
        raise CdarError(f"the BR-FR-CDV schematron could not be run: {reason}")
    failures = schematron_failures(json.loads(result.stdout)[0])
    if failures:
        raise CdarError("the message breaks the BR-FR-CDV rules:\n" + "\n".join(failures))


def schematron_failures(report):
    """The fatal findings of an SVRL report, one line each."""
    root = etree.fromstring(report.encode())
    findings = root.xpath(
        "//svrl:failed-assert[not(@flag = 'warning')] | //svrl:successful-report[not(@flag = 'warning')]",
        namespaces=SVRL_NS,
    )
    return [" ".join("".join(finding.xpath("svrl:text//text()", namespaces=SVRL_NS)).split()) for finding in findings]


def _add_vat_rates(content, rates):
    root = etree.fromstring(content, etree.XMLParser(remove_blank_text=True))
    ram = CDAR_NS_MAP["ram"]
    characteristics = root.xpath(
        "//ram:SpecifiedDocumentCharacteristic[ram:TypeCode = $code]", namespaces=CDAR_NS_MAP,
        code=AMOUNT_COLLECTED,
    )
    for characteristic, rate in zip(characteristics, rates, strict=True):
        # last of the characteristic's sequence in the D22B schema
        etree.SubElement(characteristic, f"{{{ram}}}ValuePercent").text = f"{rate:.2f}"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# ----------------------------------------------------------------------
# AFNOR flow API
# ----------------------------------------------------------------------


class FlowClient:
    """The part of the AFNOR XP Z12-013 flow API the module uses, through
    pyfrctc, on the platform a company configured.

    pyfrctc knows its platforms by a table of URLs and recognizes a
    session's platform by its token URL: the company's platform is added
    to that table under a key of its own."""

    def __init__(self, key, base_url, client_id, client_secret, label="Platform"):
        if pyfrctc is None:
            raise CdarError("the Python library pyfrctc is not installed")
        base_url = base_url.rstrip("/")
        self.key = key
        PLATFORMS[key] = {
            "afnor_base_url": base_url,
            "token_url": f"{base_url}/oauth2/token",
            "authorize_url": f"{base_url}/oauth2/authorize",
            "label": label,
        }
        self._token = {"access_token": None, "expires_at": None}
        try:
            self.session = pyfrctc.get_session(
                key, "client_credentials", key, self._get_token, self._set_token, client_id, client_secret,
            )
        except Exception as error:
            raise CdarError(str(error)) from error

    def _get_token(self, _auth_method):
        return self._token

    def _set_token(self, token):
        self._token = token

    def search_lifecycle(self, updated_after):
        """The lifecycle flows of the company's customer invoices received
        after ``updated_after`` (naive UTC datetime), oldest first."""
        try:
            flows = pyfrctc.search_flows_parsed(self.session, updated_after, "In", [FLOW_TYPE_LIFECYCLE])
        except Exception as error:
            raise CdarError(str(error)) from error
        return sorted(flows, key=lambda flow: flow.get("updated_at") or datetime.datetime.min)

    def get_message(self, flow_id):
        try:
            return pyfrctc.get_flow(self.session, flow_id, doc_type="Original")
        except Exception as error:
            raise CdarError(str(error)) from error

    def send_message(self, content, filename):
        """Send a CDAR message; return the platform's flow identifier."""
        try:
            flow = pyfrctc.send_flow(self.session, content, filename, "CDAR", "B2B")
        except Exception as error:
            raise CdarError(str(error)) from error
        return flow.get("flowId")
