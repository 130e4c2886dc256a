#!/bin/sh
# Regenerates the agents' queue prompts (espeak-ng synthetic Mandarin) and the hold-music loop.
# The hold music is synthesised here with sox (a soft pentatonic arpeggio over a low drone): no third-party
# recording, so it is free to ship and to replace. Usage: sh hotline/prompts/generate_queue.sh
set -eu
cd "$(dirname "$0")"
. ./say.sh
say recording_notice_zh "本次通话将被录音。"
say queue_busy_zh "坐席正忙，请稍候。"
say queue_ahead_zh "您前面还有"
say queue_callers_zh "位来电。"
say queue_many_zh "多位来电，请耐心等候。"
say queue_menu_zh "坐席暂时无法接听。留言请按一，需要回电请按二。"
say ring_back_ok_zh "已为您登记回电，我们会尽快给您回电。再见。"
say connecting_zh "正在为您接通坐席。"
n=1
for word in 一 两 三 四 五 六 七 八 九; do
    say "number_$n" "$word"
    n=$((n + 1))
done
notes="523.25 659.25 783.99 880.00 783.99 659.25 587.33 659.25"
i=0
for f in $notes; do
    sox -n -r 8000 -c 1 -b 16 "$tmp/n$i.wav" synth 0.5 sine "$f" fade q 0.05 0.5 0.2 vol 0.25
    i=$((i + 1))
done
sox $(for j in 0 1 2 3 4 5 6 7; do echo "$tmp/n$j.wav"; done) "$tmp/melody.wav"
sox "$tmp/melody.wav" "$tmp/melody2.wav" repeat 1
sox -n -r 8000 -c 1 -b 16 "$tmp/drone.wav" synth 8 sine 130.81 vol 0.08 fade q 0.5 8 0.5
sox -m "$tmp/melody2.wav" "$tmp/drone.wav" -r 8000 -c 1 -b 16 hold_music.wav norm -12
