# field(k): the value of the word "k=value" of the current line, "" when it has none. Shared by
# the awk programs of run.sh and peers.sh, which prepend this file to their own text.
function field(k,   i) {
    for (i = 1; i <= NF; i++)
        if (index($i, k "=") == 1)
            return substr($i, length(k) + 2)
    return ""
}
