"""`python -m analysis demo`: write deterministic synthetic monthly submissions (analysis.demo.generate)."""

from __future__ import annotations

from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "demo",
        help="生成演示用的月调度报送文件",
        description="为地区注册表中的每个县级单位生成确定性的演示报送文件（企业名录、资质认定、企业年度财务、"
        "集群名录、集群月度、指标填报、情况说明），同一随机种子生成的文件完全相同。",
    )
    p.add_argument("--out", required=True, metavar="目录", help="输出目录（不存在时自动创建）")
    p.add_argument("--seed", type=int, default=0, metavar="N", help="随机种子（默认 0）")
    p.add_argument(
        "--size",
        choices=("small", "province"),
        default="small",
        help="规模：small 为方案涉及的30个县级单位（默认）；"
        "province 为河北、青海两省全部212个县级单位（约4万家企业），用于性能测试",
    )
    p.add_argument(
        "--until",
        metavar="YYYY-MM",
        help="最后一个填报期（默认为报送已截止的最近一个月：某月的数据于次月 10 日前报送；不能晚于该月）",
    )
    p.add_argument(
        "--months",
        type=int,
        metavar="N",
        help="只写最后 N 个月的报送（small 默认写 2022-01 起全部月份，province 默认只写最后 1 个月）",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    from analysis.demo.generate import generate_demo
    from analysis.errors import UserError

    if args.months is not None and args.months < 1:
        raise UserError("--months 应为正整数")
    summary = generate_demo(
        Path(args.out), seed=args.seed, size=args.size, until=args.until, months=args.months, progress=True
    )
    print(summary.text())
    return 0
