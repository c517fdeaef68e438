#compdef netdx
# zsh completion for netdx; load with: source <(netdx completion zsh)
_netdx() {
  local -a opts
  opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
  _describe 'values' opts
}
compdef _netdx netdx
