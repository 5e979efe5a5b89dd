# awindex.bash - bash completion for awindex (the indexer).
# Installed as share/bash-completion/completions/awindex.

# With the bash-completion package its helpers are used (they handle
# quoting and "=" forms); without it, plain COMP_WORDS and compgen do.
_awindex_init()
{
    if declare -F _init_completion >/dev/null; then
        _init_completion
        return
    fi
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
}

# Files (-f, optionally only those matching the extglob $2) or folders
# (-d) matching the current word.
_awindex_files()
{
    if declare -F _filedir >/dev/null; then
        if [[ $1 == -d ]]; then _filedir -d; else _filedir ${2:+"$2"}; fi
        return
    fi
    local IFS=$'\n'
    if [[ $1 == -d ]]; then
        COMPREPLY=($(compgen -d -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}

_awindex()
{
    local cur prev words cword
    _awindex_init || return

    case $prev in
        --fetch|--progress)
            COMPREPLY=($(compgen -W 'auto always never' -- "$cur"))
            return ;;
        --db|--cache)
            _awindex_files -d
            return ;;
        --abstracts)
            _awindex_files -f '@(jsonl|json)'
            return ;;
        --arxiv-url)
            return ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W '--db --rebuild --fetch --arxiv-url
            --abstracts --cache --progress --json -q --quiet -h --help
            --version' -- "$cur"))
        return
    fi
    # The lists to index are Markdown files.
    _awindex_files -f '@(md|markdown)'
} && complete -F _awindex awindex
