"""The confirm form shows what the conversation said about the citizen as suggestions; ID numbers are
masked before the case is stored, so the full number is on no page."""

from __future__ import annotations

from web_testkit import new_case, signed_in

from hotline.models import Role


def test_confirm_form_suggests_name_phone_address_and_masks_the_id_number(client, web_engine):
    text = ("你好我叫王建国，住在上海庙镇芒哈图嘎查三组，我电话是幺三八 四七七八 洞洞幺二，"
            "身份证号150623198807121234，我想问一下养老保险怎么补缴")
    case_id = new_case(client.app, text)
    signed_in(client, web_engine, Role.agent)
    masked = client.get(f"/cases/{case_id}").text.split('id="draft-suggestions"', 1)[1].split("</div>", 1)[0]
    assert "138****0012" in masked and "13847780012" not in masked  # numbers stay masked until revealed
    page = client.get(f"/cases/{case_id}?reveal=1")
    assert page.status_code == 200
    block = page.text.split('id="draft-suggestions"', 1)[1].split("</div>", 1)[0]
    assert "王建国" in block and 'data-field="citizen_name"' in block
    assert "13847780012" in block and 'data-field="citizen_phone"' in block
    assert "上海庙镇芒哈图嘎查三组" in block and 'data-value="上海庙镇"' in block
    assert "150623********1234" in block
    assert "19880712" not in page.text  # masked at intake: not in the content, not in the suggestions


def test_no_block_when_the_conversation_names_nothing(client, web_engine):
    case_id = new_case(client.app, "嗯嗯好的")
    signed_in(client, web_engine, Role.agent)
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200, page.text[:300]
    assert "从对话中识别" not in page.text, page.text.split("从对话中识别", 1)[1][:600]
