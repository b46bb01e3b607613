"""dmabench reports: plots, an HTML page, Markdown, mailing-list text, A/B and boards.

    /usr/bin/python3 -m report render RUN.json [RUN.json...] [-o DIR]
    /usr/bin/python3 -m report compare BASE.json NEW.json [-o DIR]

(with the repository root on PYTHONPATH; `dmabench report` and `dmabench
compare` run exactly these).
"""
