"""Run the BR-FR-CDV schematron on CDAR messages with SaxonC-HE.

pyfrctc ships the schematron compiled to XSLT 2.0, which lxml (XSLT 1.0)
cannot run. This file is executed by ``cdar.check_schematron`` as a child
process: SaxonC embeds a native image that must not be shared by the
threads or forked by the workers of an Odoo server, and a crash there
costs the child only. It prints the SVRL report of each file, as JSON.

Usage: ``python schematron.py STYLESHEET MESSAGE.xml...``
"""

import json
import resource
import sys


def main(stylesheet, paths):
    # An Odoo server caps its address space (limit_memory_hard), and its
    # children inherit the cap; SaxonC's native image reserves more address
    # space than that when it starts (reserved, not used). This short-lived
    # child lifts its own soft cap to the hard one.
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    from saxonche import PySaxonProcessor

    with PySaxonProcessor(license=False) as processor:
        executable = processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=stylesheet)
        reports = [
            executable.transform_to_string(xdm_node=processor.parse_xml(xml_file_name=path))
            for path in paths
        ]
    json.dump(reports, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
