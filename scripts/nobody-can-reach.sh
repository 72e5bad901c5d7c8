#!/usr/bin/env bash
# Sourced by the scripts that start OpenSearch nodes. OpenSearch refuses to run as root, so under root they run the node
# as nobody (setpriv), which must be able to enter the checkout: under a directory only its owner may enter (a root
# user's home, mode 0700) every node would fail to start, each with an error of its own. Stop at once instead.
if [[ "$(id -u)" == 0 ]] && ! setpriv --reuid=65534 --regid=65534 --clear-groups test -r "$PWD/pom.xml"; then
    blocker=/
    IFS=/ read -ra parts <<< "${PWD#/}"
    for part in "${parts[@]}"; do
        blocker="${blocker%/}/$part"
        setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$blocker" || break
    done
    echo "!! OpenSearch refuses to run as root, so its nodes run as 'nobody', which cannot enter $blocker" >&2
    echo "!! (mode $(stat -c %a "$blocker")). Clone the project where every user may enter (e.g. under /srv or /tmp)," >&2
    echo "!! or let others pass through that directory: chmod o+x $blocker" >&2
    exit 1
fi
