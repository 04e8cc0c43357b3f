"""The catalog: plans, targets, indicators, award types and regions, with its checks and views."""
