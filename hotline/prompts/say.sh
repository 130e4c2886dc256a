# Sourced by the generate*.sh scripts (run from this folder): `say NAME TEXT` writes NAME.wav, Mandarin
# espeak-ng speech (words per minute: $SPEED, default 165) as 8 kHz 16-bit mono, edge silence trimmed.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
say() {  # say NAME TEXT
    espeak-ng -v cmn -s "${SPEED:-165}" -w "$tmp/$1.wav" "$2"
    sox -G "$tmp/$1.wav" -r 8000 -c 1 -b 16 "$1.wav" silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse
}
