import random

from analysis.submissions import creditcode


def test_published_example_is_valid_and_a_changed_digit_is_not():
    # the worked example of GB 32100-2015
    assert creditcode.is_valid("91350100M000100Y43")
    assert "校验位错误" in creditcode.problem("91350100M000100Y44")
    assert "长度应为18位" in creditcode.problem("91350100M000100Y4")
    assert "不允许的字符“I”" in creditcode.problem("91350100M000100YI3")


def test_generated_codes_are_valid_and_carry_the_division_code():
    rng = random.Random(7)
    codes = [creditcode.generate(rng, "130184") for _ in range(500)]
    assert all(creditcode.is_valid(c) for c in codes)
    assert all(c[2:8] == "130184" for c in codes)
