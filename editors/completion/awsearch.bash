# awsearch.bash - bash completion for awsearch (the client), awsearchd and
# awindex.  Installed as share/bash-completion/completions/awsearch, and
# under the other two names as well: bash-completion loads it the first time
# any of the three commands is completed.

# With the bash-completion package its helpers are used (they handle
# quoting and "=" forms); without it, plain COMP_WORDS and compgen do.
_awsearch_init()
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
_awsearch_files()
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

_awsearch()
{
    local cur prev words cword
    _awsearch_init || return

    case $prev in
        --sort)
            COMPREPLY=($(compgen -W 'relevance year citations' -- "$cur"))
            return ;;
        --color|--colour)
            COMPREPLY=($(compgen -W 'auto always never' -- "$cur"))
            return ;;
        --socket)
            _awsearch_files -f
            return ;;
        --db)
            _awsearch_files -d
            return ;;
        -n|--limit|--offset|--section|--related|--related-text|--show|--cite)
            # A number, a section name or an entry id: nothing to offer.
            return ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W '-n --limit --offset --sort --section --facets
            --related --related-text --show --cite --stats --json --color
            --socket --db --no-autostart -h --help --version' -- "$cur"))
        return
    fi

    # Query words: the field prefixes of the query language, the has:code
    # filter and the operators.  A prefix wants its value right after the
    # colon; a whole word wants the space that follows it.
    COMPREPLY=($(compgen -W 'title: author: abstract: section: kind: id:
        year: citations: has:code AND OR NOT NEAR' -- "$cur"))
    local w
    for w in "${COMPREPLY[@]}"; do
        [[ $w == *: ]] || return 0
    done
    compopt -o nospace 2>/dev/null
} && complete -F _awsearch awsearch

_awsearchd()
{
    local cur prev words cword
    _awsearch_init || return

    case $prev in
        --log-level)
            COMPREPLY=($(compgen -W 'error warn info debug' -- "$cur"))
            return ;;
        --socket|--pidfile)
            _awsearch_files -f
            return ;;
        --db)
            _awsearch_files -d
            return ;;
        --listen|--threads|--max-connections|--result-cache)
            return ;;
    esac
    COMPREPLY=($(compgen -W '--db --socket --listen --allow-remote --threads
        --max-connections --result-cache --foreground --pidfile --log-level -h --help
        --version' -- "$cur"))
} && complete -F _awsearchd awsearchd

_awindex()
{
    local cur prev words cword
    _awsearch_init || return

    case $prev in
        --fetch|--progress)
            COMPREPLY=($(compgen -W 'auto always never' -- "$cur"))
            return ;;
        --db|--cache)
            _awsearch_files -d
            return ;;
        --abstracts)
            _awsearch_files -f '@(jsonl|json)'
            return ;;
        --synonyms)
            _awsearch_files -f
            return ;;
        --arxiv-url|-j|--jobs)
            return ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W '--db --rebuild -j --jobs --fetch --arxiv-url
            --abstracts --cache --synonyms --progress --json -q --quiet -h
            --help --version' -- "$cur"))
        return
    fi
    # The lists to index are Markdown files.
    _awsearch_files -f '@(md|markdown)'
} && complete -F _awindex awindex
