# bash completion for ikgen: commands, each command's options, the values of --strategy and
# --format, files for the options that take one, and spec ids (read from the project file) for
# patterns and generate's spec id. Installed as /usr/share/bash-completion/completions/ikgen;
# needs only bash (bash-completion's helpers are not used).

# The spec ids of a project file: the "- id:" entries of its top-level "specs:" list.
_ikgen_spec_ids() {
  [[ -r $1 ]] || return 0
  awk '
    /^[^[:space:]#]/ { in_specs = ($0 ~ /^specs:/); next }
    in_specs && /^[[:space:]]*-[[:space:]]+id:/ {
      sub(/^[[:space:]]*-[[:space:]]+id:[[:space:]]*/, ""); sub(/[[:space:]]+#.*$/, "")
      gsub(/^["'\'']|["'\'']$/, ""); print
    }' "$1" 2>/dev/null
}

# COMPREPLY = the words of $1 that start with $2.
_ikgen_words() {
  mapfile -t COMPREPLY < <(compgen -W "$1" -- "$2")
}

# COMPREPLY = files and directories starting with $1; with $2, only files ending in one of its
# space-separated suffixes (directories always, to descend into).
_ikgen_files() {
  local suffix
  compopt -o filenames 2>/dev/null
  if [[ -z ${2-} ]]; then
    mapfile -t COMPREPLY < <(compgen -f -- "$1")
    return
  fi
  mapfile -t COMPREPLY < <(compgen -d -- "$1")
  for suffix in $2; do
    mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -X "!*$suffix" -- "$1")
  done
}

_ikgen() {
  local commands="generateimages check prune manifest generate watch"
  local cur=${COMP_WORDS[COMP_CWORD]} prev= command= config=ikgen.yaml i
  ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  # --option=value: bash splits it at "=" (COMP_WORDBREAKS), leaving "=" as the previous word.
  if [[ $prev == = ]] && ((COMP_CWORD > 1)); then
    prev=${COMP_WORDS[COMP_CWORD - 2]}
  elif [[ $cur == = ]]; then
    prev=${COMP_WORDS[COMP_CWORD - 1]} cur=
  fi

  # Where the word under the cursor starts: bash splits "shop:thumb" into "shop" ":" "thumb".
  local start=$COMP_CWORD
  while ((start > 1)) && [[ ${COMP_WORDS[start - 1]} == : || ${COMP_WORDS[start]} == : ]]; do
    ((start--))
  done
  # The command, the project file (for spec ids) and how many positionals come before the cursor.
  local positionals=0 word takes_value=" -c --config -j --jobs --strategy --shard --report --metrics --format --sources-from --debounce-ms "
  for ((i = 1; i < start; i++)); do
    word=${COMP_WORDS[i]}
    if [[ -z $command ]]; then
      [[ " $commands " == *" $word "* ]] && command=$word
      continue
    fi
    if [[ $word == -* && $takes_value == *" $word "* ]]; then
      [[ ${COMP_WORDS[i + 1]-} == = ]] && ((i++))
      ((i++))
      [[ $word == -c || $word == --config ]] && ((i < start)) && config=${COMP_WORDS[i]}
    elif [[ $word != -* && $word != : && ${COMP_WORDS[i - 1]} != : ]]; then
      ((positionals++))
    fi
  done

  if [[ -z $command ]]; then
    _ikgen_words "$commands --help --version" "$cur"
    return
  fi

  case $prev in
    -c | --config) _ikgen_files "$cur" ".yaml .yml"; return ;;
    --report | --sources-from)
      _ikgen_files "$cur"
      [[ - == "$cur"* ]] && COMPREPLY+=(-)
      return ;;
    --metrics) _ikgen_files "$cur" ".prom"; return ;;
    --strategy) _ikgen_words "just_in_time optimistic" "$cur"; return ;;
    --format) _ikgen_words "json csv" "$cur"; return ;;
    -j | --jobs | --shard | --debounce-ms) COMPREPLY=(); return ;;
  esac

  local options
  case $command in
    generateimages) options="-c --config -j --jobs -v --verbose -q --quiet --strategy --verify --verify-content
                              --explain --no-wait --shard --stats --report --metrics -h --help" ;;
    check) options="-c --config --json -v --verbose --strategy --verify --verify-content --explain --stats
                    --report --metrics -h --help" ;;
    prune) options="-c --config --dry-run --force --no-wait --stats --report --metrics -h --help" ;;
    manifest) options="-c --config --format -h --help" ;;
    generate) options="-c --config -j --jobs --sources-from --json --report --metrics -h --help" ;;
    watch) options="-c --config -j --jobs -v --verbose -q --quiet --debounce-ms --stats --metrics -h --help" ;;
  esac
  if [[ $cur == -* ]]; then
    _ikgen_words "$options" "$cur"
    return
  fi

  # Positionals: spec id patterns, or generate's spec id and then source files.
  [[ $command == prune ]] && return
  if [[ $command == generate ]] && ((positionals > 0)); then
    _ikgen_files "$cur"
    return
  fi
  # Spec ids hold ":", which bash also splits words at: complete the whole word under the cursor
  # and hand back only what follows its last ":".
  local whole=${COMP_LINE:0:COMP_POINT}
  whole=${whole##*[[:space:]]}
  _ikgen_words "$(_ikgen_spec_ids "$config")" "$whole"
  if [[ $whole == *:* && $COMP_WORDBREAKS == *:* ]]; then
    local prefix=${whole%"${whole##*:}"}
    COMPREPLY=("${COMPREPLY[@]#"$prefix"}")
  fi
}

complete -F _ikgen ikgen
