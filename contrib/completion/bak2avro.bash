# bash completion for bak2avro(1); installed into bash-completion's completions folder.
_bak2avro()
{
    local cur prev cmd
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    if [[ $COMP_CWORD -eq 1 ]]; then
        COMPREPLY=($(compgen -W 'run restore export stop inspect gc version help --help --version' -- "$cur"))
        return
    fi
    cmd=${COMP_WORDS[1]}
    case $cmd in
    run)
        case $prev in
        -o|--output) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --vendor) COMPREPLY=($(compgen -W 'postgresql mysql sqlserver oracle' -- "$cur")); return ;;
        --codec) COMPREPLY=($(compgen -W 'snappy deflate null' -- "$cur")); return ;;
        --network) COMPREPLY=($(compgen -W 'auto host publish' -- "$cur")); return ;;
        --deliver) COMPREPLY=($(compgen -W 'bind upload' -- "$cur")); return ;;
        --via) COMPREPLY=($(compgen -W 'auto odbc' -- "$cur")); return ;;
        --naive-timestamps) COMPREPLY=($(compgen -W 'local utc string' -- "$cur")); return ;;
        --pre-sql|--post-sql|--job-json) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --include|--exclude|--parallel|--image|--docker-host) return ;;
        esac
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W '-o --output --vendor --include --exclude --include-views
                --pre-sql --post-sql --parallel --codec --image --network --deliver
                --docker-host --keep-container --via --naive-timestamps --direct --restore --accept-eula --job-json
                --overwrite --ignore-checksums --allow-column-loss -q --quiet --log-json
                -v --verbose -h --help' -- "$cur"))
            return
        fi
        COMPREPLY=($(compgen -f -- "$cur")) ;;
    export)
        case $prev in
        -o|--output) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --vendor) COMPREPLY=($(compgen -W 'postgresql mysql sqlserver oracle' -- "$cur")); return ;;
        --codec) COMPREPLY=($(compgen -W 'snappy deflate null' -- "$cur")); return ;;
        --via) COMPREPLY=($(compgen -W 'auto odbc' -- "$cur")); return ;;
        --job-json) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --dsn|--include|--exclude|--parallel|--splits|--max-file-size|--max-file-rows) return ;;
        esac
        COMPREPLY=($(compgen -W '--dsn -o --output --include --exclude --include-views --parallel
            --splits --max-file-size --max-file-rows --codec --via --vendor --job-json --overwrite
            -q --quiet --log-json -v --verbose -h --help' -- "$cur")) ;;
    inspect)
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W '-h --help --' -- "$cur"))
        else
            COMPREPLY=($(compgen -f -- "$cur"))
        fi ;;
    restore)
        case $prev in
        --vendor) COMPREPLY=($(compgen -W 'postgresql mysql sqlserver' -- "$cur")); return ;;
        --network) COMPREPLY=($(compgen -W 'auto host publish' -- "$cur")); return ;;
        --deliver) COMPREPLY=($(compgen -W 'bind upload' -- "$cur")); return ;;
        --pre-sql|--post-sql) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --data-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --image|--docker-host|--parallel|--memory|--listen) return ;;
        esac
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W '--vendor --image --network --deliver --docker-host --accept-eula
                --pre-sql --post-sql --parallel --memory --data-dir --listen --json -q --quiet
                -h --help' -- "$cur"))
            return
        fi
        COMPREPLY=($(compgen -f -- "$cur")) ;;
    stop)
        [[ $prev == --docker-host ]] && return
        COMPREPLY=($(compgen -W '--docker-host -h --help' -- "$cur")) ;;
    gc)
        [[ $prev == --docker-host ]] && return
        COMPREPLY=($(compgen -W '--docker-host -h --help' -- "$cur")) ;;
    version)
        COMPREPLY=($(compgen -W '-h --help' -- "$cur")) ;;
    help)
        [[ $COMP_CWORD -eq 2 ]] && COMPREPLY=($(compgen -W 'run restore stop inspect gc version help' -- "$cur")) ;;
    esac
}
complete -o filenames -F _bak2avro bak2avro
