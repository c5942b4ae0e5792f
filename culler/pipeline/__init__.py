"""The analysis of an album, headless and without Qt: scan the folder, measure every photo, run the
deep models, group and rank, all as a generator of progress reports.

    from culler.pipeline import Pipeline
    pipeline = Pipeline(album_root, store, ctx)
    for progress in pipeline.run(): ...

The last Progress of a run (stage 'done' or 'cancelled') carries a RunReport: what the run did.

Modules: `run` (the Pipeline: the stages in order, pause/resume/cancel), `scan` (the folder into the
store), `order` (which photo next), `technical` (decode + technical measures of one photo), `deep`
(the deep models over parallel threads), `grouping` (fused scores, groups, suggestions),
`progress` (progress reports, rate meter, the run's switch), `report` (the run report).
"""

from culler.pipeline.progress import Progress
from culler.pipeline.report import RunReport
from culler.pipeline.run import ANALYSIS_LONG_EDGE, WINDOW_ANALYSIS_THREADS, Pipeline

__all__ = ["Pipeline", "Progress", "RunReport", "ANALYSIS_LONG_EDGE", "WINDOW_ANALYSIS_THREADS"]
