#!/bin/sh
# Regenerates the message a blacklisted (nuisance) caller hears before the line hangs up (espeak-ng Mandarin).
# Usage: sh hotline/prompts/generate_nuisance.sh   (needs espeak-ng and sox)
set -eu
cd "$(dirname "$0")"
. ./say.sh
say nuisance_zh "您的号码已被限制呼入本热线。再见。"
