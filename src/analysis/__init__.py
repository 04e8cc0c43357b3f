"""产业集群目标调度工作簿 — the cluster-target workbook.

All logic lives in this package; notebooks only call into it.
"""
