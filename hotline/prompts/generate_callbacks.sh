#!/bin/sh
# Regenerates the Mandarin satisfaction-callback prompts (espeak-ng synthetic voice), like generate.sh.
# Mongolian slots (callback_*_mn.wav) ship empty: Mongolian speakers hear Mandarin (a log line says so) until
# recordings are placed next to these files under the same names with _mn.
# Usage: sh hotline/prompts/generate_callbacks.sh   (needs espeak-ng and sox)
set -eu
cd "$(dirname "$0")"
SPEED=230  # the survey is long: read faster
. ./say.sh
say callback_question_zh "您好，这里是七八一二三四五热线回访。请评价您所反映问题的办理结果：满意请按一，基本满意请按二，不满意请按三，重听请按九。"
say callback_thanks_zh "感谢您的评价，祝您生活愉快，再见。"
say callback_reopen_zh "感谢您的反馈，我们将安排重新办理，再见。"
say callback_no_input_zh "抱歉，没有收到您的按键。"
say callback_goodbye_zh "抱歉打扰您了，没有收到您的评价，再见。"
