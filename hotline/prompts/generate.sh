#!/bin/sh
# Regenerates the default Mandarin prompts (espeak-ng synthetic voice) and the listen tone.
# Operators should replace them with studio recordings: any WAV works (mono, 16-bit; it is resampled to the
# bridge clock rate on load). Mongolian slots (greeting_mn, listen_mn, goodbye_mn, no_input_mn) ship empty:
# record them and point the [ivr] keys of sip.conf at the files.
# Usage: sh hotline/prompts/generate.sh   (needs espeak-ng and sox)
set -eu
cd "$(dirname "$0")"
. ./say.sh
say greeting_zh "您好，这里是七八一二三四五政务服务热线。普通话请按一，蒙古语请按二。党风政风监督举报请按九。"
say listen_zh "请在提示音后说出您要咨询、投诉或建议的事项，说完后请挂机。"
say goodbye_zh "感谢您的来电，再见。"
say no_input_zh "很抱歉，没有听到您的声音，请稍后再拨。再见。"
sox -n -r 8000 -c 1 -b 16 tone.wav synth 0.4 sine 1000 vol 0.5
