from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdm.normalize.names import looks_like_organisation, normalize_org_name

# (raw, full, core, legal_form, branch, label)
ORG_ROWS = [
    ("上海林氏贸易有限公司", "上海林氏贸易有限公司", "林氏贸易", "有限公司", None, "city prefix"),
    ("林氏贸易(上海)有限公司", "林氏贸易(上海)有限公司", "林氏贸易", "有限公司", None,
     "bracketed region"),
    ("林氏贸易（上海）有限公司", "林氏贸易(上海)有限公司", "林氏贸易", "有限公司", None,
     "full-width brackets"),
    ("林氏贸易(上海市)有限公司", "林氏贸易(上海市)有限公司", "林氏贸易", "有限公司", None,
     "bracketed region with 市"),
    ("上海林氏贸易有限公司徐汇分公司", "上海林氏贸易有限公司徐汇分公司", "林氏贸易", "有限公司",
     "徐汇分公司", "branch after the legal form"),
    ("林氏贸易有限公司(徐汇分公司)", "林氏贸易有限公司(徐汇分公司)", "林氏贸易", "有限公司",
     "徐汇分公司", "bracketed branch"),
    ("林氏贸易有限公司北京办事处", "林氏贸易有限公司北京办事处", "林氏贸易", "有限公司",
     "北京办事处", "办事处"),
    ("林氏贸易有限公司漕溪北路营业部", "林氏贸易有限公司漕溪北路营业部", "林氏贸易", "有限公司",
     "漕溪北路营业部", "营业部"),
    ("林氏贸易徐汇分店", "林氏贸易徐汇分店", "林氏贸易", None, "徐汇分店",
     "branch without a legal form"),
    ("林氏贸易上海分公司", "林氏贸易上海分公司", "林氏贸易", None, "上海分公司",
     "branch named after a city"),
    ("上海林氏贸易股份有限公司", "上海林氏贸易股份有限公司", "林氏贸易", "股份有限公司", None,
     "股份有限公司"),
    ("上海林氏贸易有限责任公司", "上海林氏贸易有限责任公司", "林氏贸易", "有限责任公司", None,
     "有限责任公司"),
    ("广东省广州市林氏贸易集团有限公司", "广东省广州市林氏贸易集团有限公司", "林氏贸易",
     "集团有限公司", None, "province and city prefix, 集团有限公司"),
    ("林氏贸易集团", "林氏贸易集团", "林氏贸易", "集团", None, "集团"),
    ("上海红星机械厂", "上海红星机械厂", "红星机械", "厂", None, "厂"),
    ("林氏商行", "林氏商行", "林氏", "商行", None, "商行"),
    ("上海林氏投资合伙企业（有限合伙）", "上海林氏投资合伙企业(有限合伙)", "林氏投资",
     "合伙企业(有限合伙)", None, "limited partnership"),
    ("台灣林氏貿易股份有限公司", "台湾林氏贸易股份有限公司", "林氏贸易", "股份有限公司", None,
     "traditional"),
    ("上海 林氏 贸易 有限公司", "上海林氏贸易有限公司", "林氏贸易", "有限公司", None,
     "spaces removed"),
    ("Lin Trading Co., Ltd.", "Lin Trading Co., Ltd.", "lin trading", "Co., Ltd.", None,
     "Co., Ltd."),
    ("LIN TRADING CO.,LTD", "LIN TRADING CO.,LTD", "lin trading", "Co., Ltd.", None,
     "CO.,LTD"),
    ("Lin Trading (Shanghai) Co., Ltd.", "Lin Trading (Shanghai) Co., Ltd.", "lin trading",
     "Co., Ltd.", None, "latin bracketed region"),
    ("Lin Trading Limited", "Lin Trading Limited", "lin trading", "Ltd.", None, "Limited"),
    ("Acme Inc.", "Acme Inc.", "acme", "Inc.", None, "Inc."),
    ("Acme Corp", "Acme Corp", "acme", "Corp.", None, "Corp"),
    ("Acme LLC", "Acme LLC", "acme", "LLC", None, "LLC"),
    ("Siemens GmbH", "Siemens GmbH", "siemens", "GmbH", None, "GmbH"),
    ("北京大学", "北京大学", "北京大学", None, None, "region kept when the rest is generic"),
    ("上海银行股份有限公司", "上海银行股份有限公司", "上海银行", "股份有限公司", None,
     "上海银行 is a name"),
    ("公司", "公司", "公司", None, None, "only a legal form"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "full", "core", "legal_form", "branch", "label"),
    ORG_ROWS,
    ids=[r[-1] for r in ORG_ROWS],
)
def test_normalize_org_name(
    raw: str, full: str, core: str, legal_form: str | None, branch: str | None, label: str
) -> None:
    org = normalize_org_name(raw)
    assert org is not None, label
    assert (org.raw, org.full, org.core, org.legal_form, org.branch) == (
        raw,
        full,
        core,
        legal_form,
        branch,
    )


@pytest.mark.parametrize("raw", ["", " ", "null"])
def test_blank_org_name_is_none(raw: str) -> None:
    assert normalize_org_name(raw) is None


def test_headquarters_and_branch_share_the_core() -> None:
    cores = {
        o.core
        for raw in [
            "上海林氏贸易有限公司",
            "林氏贸易(上海)有限公司",
            "上海林氏贸易有限公司徐汇分公司",
        ]
        if (o := normalize_org_name(raw)) is not None
    }
    assert cores == {"林氏贸易"}


ORG_LIKE_ROWS = [
    ("上海林氏贸易有限公司", True, "有限公司"),
    ("林氏集团", True, "集团"),
    ("红星机械厂", True, "厂"),
    ("星巴克徐汇店", True, "店"),
    ("客户服务中心", True, "中心"),
    ("瑞金医院", True, "医院"),
    ("徐汇实验学校", True, "学校"),
    ("Lin Trading Co., Ltd.", True, "Co., Ltd."),
    ("ACME INC", True, "INC"),
    ("润和建材", True, "trade name: core + industry"),
    ("盛世贸易", True, "trade name: trading"),
    ("東方科技", True, "trade name, traditional"),
    ("天成餐饮管理", True, "trade name: management"),
    ("永泰医疗器械", True, "trade name: medical devices"),
    ("张建材", False, "three hanzi: a person's name"),
    ("欧阳建国", False, "compound surname"),
    ("林嘉欣", False, "person"),
    ("林小姐", False, "person with title"),
    ("Lin Jiaxin", False, "latin person"),
    ("Coco Lin", False, "co inside a word"),
    ("", False, "blank"),
]


@pytest.mark.parametrize(
    ("name", "expected", "label"), ORG_LIKE_ROWS, ids=[r[2] for r in ORG_LIKE_ROWS]
)
def test_looks_like_organisation(name: str, expected: bool, label: str) -> None:
    assert looks_like_organisation(name) is expected, label


_org_names = st.builds(
    lambda region, core, form, branch: region + core + form + branch,
    st.sampled_from(["", "上海", "上海市", "广东省广州市", "中国"]),
    st.sampled_from(["林氏贸易", "红星机械", "嘉欣(上海)科技", "华为", "ABC 科技"]),
    st.sampled_from(["", "有限公司", "股份有限公司", "集团有限公司", "（有限合伙）", " Co., Ltd."]),
    st.sampled_from(["", "徐汇分公司", "(北京办事处)", "分店"]),
)


@given(_org_names | st.text(max_size=20))
def test_normalising_an_org_name_twice_changes_nothing(raw: str) -> None:
    org = normalize_org_name(raw)
    if org is None:
        return
    again = normalize_org_name(org.full)
    assert again is not None
    assert (again.full, again.core, again.legal_form, again.branch) == (
        org.full,
        org.core,
        org.legal_form,
        org.branch,
    )
