"""QT601's "activation by other means" judged against the programs themselves: each variant
(a relative path after `cd`/`pushd`, a temp file given a model setting then moved into
place, `install`/`cp`/`mv` with options in any order, Python running `sed`/`cp` or
copying, replacing and writing files) is run by bash or CPython in a tree whose paths the
contract is configured to, with the real `sed`, `cp`, `mv` and `install`. The rule must
report a variant exactly when the run changed a model setting: a line naming a model or a
weight in `<env-dir>/*.env` or `.env.model_config` (what QT601's docs call the model
setting). Makefiles are run by `make` (recipes continued by a backslash, `define`d canned recipes,
automatic variables, `python3 -c`); a switch a Makefile sets is judged by the environment
its recipe's process prints (`env`): reported exactly when make hands it to that process.

The tree's folder is made without the test's name in it: a path naming "model" would make
every line name a model.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qt_lint.api import check
from qt_lint.config import Config, Contract

if shutil.which("bash") is None or shutil.which("make") is None:  # pragma: no cover
    pytest.fail("bash and make are needed as the oracles of QT601's setting writes")
for _editor in ("ed", "ex", "vi", "vim", "truncate"):  # run by the variants (scripts/test)
    if shutil.which(_editor) is None:  # pragma: no cover
        pytest.fail(f"{_editor} is needed by the variants of QT601's setting writes")

SED = "sed -i 's/^MODEL_PATH=.*/MODEL_PATH=x/'"
TMP = 'TMP="$(mktemp)"\n'

# name -> the script, with {env} the setting's folder and {other} a folder like it
SHELL_VARIANTS: dict[str, str] = {
    # a relative path after `cd`, `pushd`, `cd "$ENV_DIR"`
    "cd && sed ai-engine.env": f"cd {{env}} && {SED} ai-engine.env\n",
    "cd then sed on the next line": f"cd {{env}}\n{SED} ai-engine.env\n",
    "cd || exit then sed": f"cd {{env}} || exit 1\n{SED} ./ai-engine.env\n",
    "pushd then sed": f"pushd {{env}} >/dev/null\n{SED} ai-engine.env\npopd >/dev/null\n",
    "cd \"$ENV_DIR\"": f'ENV_DIR={{env}}\ncd "$ENV_DIR"\n{SED} ai-engine.env\n',
    "cd the parent then sed quantum/": f"cd {{env}}/..\n{SED} quantum/ai-engine.env\n",
    "cd && echo >> on one line": 'cd {env} && echo "MODEL_PATH=x" >> ai-engine.env\n',
    "cd elsewhere && echo >> on one line": (
        'cd {env}\ncd {other} && echo "MODEL_PATH=x" >> ai-engine.env\n'),
    "cd && cat > heredoc on one line": (
        "cd {env} && cat > ai-engine.env <<EOF\nMODEL_PATH=x\nEOF\n"),
    "cd then echo >>": 'cd {env}\necho "MODEL_PATH=x" >> ai-engine.env\n',
    "cd then perl -pi": "cd {env}\nperl -pi -e 's/^MODEL_PATH=.*/MODEL_PATH=x/' ai-engine.env\n",
    "cd in a function called": f"go() {{ cd {{env}}; }}\ngo\n{SED} ai-engine.env\n",
    "cd elsewhere": f"cd {{other}} && {SED} ai-engine.env\n",
    "cd \"$DIR\" elsewhere": f'DIR={{other}}\ncd "$DIR"\n{SED} ai-engine.env\n',
    "cd in a subshell, sed after it": f"(cd {{env}})\n{SED} ai-engine.env || true\n",
    "pushd, popd, then sed": (f"cd {{other}}\npushd {{env}} >/dev/null\npopd >/dev/null\n"
                              f"{SED} ai-engine.env\n"),
    "cd in a function never called": f"go() {{ cd {{env}}; }}\n{SED} ai-engine.env || true\n",
    "cd then sed without -i": "cd {env} && sed 's/^MODEL_PATH=.*/MODEL_PATH=x/' ai-engine.env\n",
    "cd then cp into .": "cd {env} && cp \"$OLDPWD/staged/model.env\" .\n",
    "cd then cp -t .": "cd {env}\ncp -t . \"$OLDPWD/staged/model.env\"\n",
    # the two-step replace
    "sed into a temp, mv": (TMP + "sed 's/^MODEL_PATH=.*/MODEL_PATH=x/' {env}/ai-engine.env "
                            '> "$TMP"\nmv "$TMP" {env}/ai-engine.env\n'),
    "echo into a temp, mv -f": (TMP + 'echo "MODEL_PATH=x" > "$TMP"\n'
                                'mv -f "$TMP" {env}/ai-engine.env\n'),
    "heredoc into a temp, install": (TMP + 'cat > "$TMP" <<EOF\nMODEL_PATH=x\nEOF\n'
                                     'install -m 0640 "$TMP" {env}/ai-engine.env\n'),
    "printf into ${TMP}, cp": (TMP + "printf 'MODEL_PATH=%s\\n' x > \"${TMP}\"\n"
                               'cp "${TMP}" {env}/ai-engine.env\n'),
    "temp appended, mv -T": (TMP + 'grep -v ^MODEL_PATH= {env}/ai-engine.env > "$TMP"\n'
                             'echo "MODEL_PATH=x" >> "$TMP"\nmv -T "$TMP" {env}/ai-engine.env\n'),
    "heredoc into tee \"$TMP\", mv": (TMP + 'tee "$TMP" >/dev/null <<EOF\nXGB_WEIGHT=0.9\nEOF\n'
                                      'mv "$TMP" {env}/ai-engine.env\n'),
    "copy, sed -i the temp, mv back": (
        TMP + 'cp {env}/ai-engine.env "$TMP"\n'
        "sed -i 's/^MODEL_PATH=.*/MODEL_PATH=x/' \"$TMP\"\nmv \"$TMP\" {env}/ai-engine.env\n"),
    "copy, sed -i another key of the temp, mv back": (
        TMP + 'cp {env}/ai-engine.env "$TMP"\n'
        "sed -i 's/^LOG_LEVEL=.*/LOG_LEVEL=DEBUG/' \"$TMP\"\nmv \"$TMP\" {env}/ai-engine.env\n"),
    "cd and sed in a subshell": f"( cd {{env}} && {SED} ai-engine.env )\n",
    "temp of another setting, mv": (TMP + 'echo "LOG_LEVEL=DEBUG" > "$TMP"\n'
                                    'mv "$TMP" {env}/backend.env\n'),
    "temp with a model, moved elsewhere": (TMP + 'echo "MODEL_PATH=x" > "$TMP"\n'
                                           'mv "$TMP" {other}/ai-engine.env\n'),
    # the copiers' option grammar
    "install -m 0640 src DEST": "install -m 0640 staged/model.env {env}/ai-engine.env\n",
    "install src DEST -m 0640": "install staged/model.env {env}/ai-engine.env -m 0640\n",
    "install -m0640 -D src DEST": "install -m0640 -D staged/model.env {env}/ai-engine.env\n",
    "install --mode 0640 src DIR/": "install --mode 0640 staged/model.env {env}/\n",
    "install -m 0640 src DIR/ (not a model)": "install -m 0640 staged/logging.env {env}/\n",
    "install -m 0640 src elsewhere": "install -m 0640 staged/model.env {other}/\n",
    "install -d -m 0750 DIR": "install -d -m 0750 {env}/model.d\n",
    "cp src DEST -S .orig --backup": ("cp staged/model.env {env}/ai-engine.env -S .orig "
                                      "--backup=simple\n"),
    "cp --suffix .orig -b src DEST": ("cp --suffix .orig -b staged/model.env "
                                      "{env}/ai-engine.env\n"),
    "mv -S .old -b copy DEST": ("cp staged/model.env staged/next.env\n"
                                "mv -S .old -b staged/next.env {env}/ai-engine.env\n"),
    "cp -t DIR src (not a model)": "cp -t {env} staged/logging.env\n",
    "cp --target-directory DIR src": "cp --target-directory {env} staged/model.env\n",
    "install --targ=DIR src (abbreviated)": "install --targ={env} staged/model.env\n",
    "cp --suf .o -b src DEST (abbreviated)": (
        "cp --suf .o -b staged/model.env {env}/ai-engine.env\n"),
    "install -Dm0640 src DIR/ (not a model)": "install -Dm0640 staged/logging.env {env}/\n",
    "install -o OWNER -g GROUP src DEST": (
        'install -o "$(id -u)" -g "$(id -g)" staged/model.env {env}/ai-engine.env\n'),
    "cp -T src into a folder's name": "cp -T staged/model.env {env}/next.env\n",
    "cp -- src DEST": "cp -- staged/model.env {env}/ai-engine.env\n",
    # editors: ed reads its script on standard input, ex/vim run their `-c` commands
    "ed, its script piped in": (
        "printf '%s\\n' '/^MODEL_PATH=/s/=.*/=x/' w q | ed -s {env}/ai-engine.env\n"),
    "ed, its script from a heredoc": (
        "ed -s {env}/ai-engine.env <<'EOF'\n/^MODEL_PATH=/s/=.*/=x/\nw\nq\nEOF\n"),
    "ed, its script from a here-string": (
        "ed -s {env}/ai-engine.env <<< $'/^MODEL_PATH=/s/=.*/=x/\\nwq'\n"),
    "ed that only prints": "printf '%s\\n' '/^MODEL_PATH=/p' q | ed -s {env}/ai-engine.env\n",
    "ed of the model elsewhere": (
        "printf '%s\\n' '/^MODEL_PATH=/s/=.*/=x/' w q | ed -s {other}/ai-engine.env\n"),
    "ex -c s -c wq": "ex -s -c '%s/^MODEL_PATH=.*/MODEL_PATH=x/' -c wq {env}/ai-engine.env\n",
    "vim -es -c s -c x": (
        "vim -u NONE -es -c '%s/^MODEL_PATH=.*/MODEL_PATH=x/' -c x {env}/ai-engine.env\n"),
    "vi -e +s +wq": "vi -u NONE -e -s '+%s/^MODEL_PATH=.*/MODEL_PATH=x/' +wq {env}/ai-engine.env\n",
    "ex that only prints": "ex -s -c '/^MODEL_PATH/p' -c 'q!' {env}/ai-engine.env\n",
    # python run from the script: its code is Python
    "python3 -c open(p, 'w')": (
        "python3 -c \"p = '{env}/ai-engine.env'; s = open(p).read().replace("
        "'MODEL_PATH=/opt/old', 'MODEL_PATH=x'); open(p, 'w').write(s)\"\n"),
    "python3 -c open(..., 'a')": (
        "python3 -c \"open('{env}/ai-engine.env', 'a').write('MODEL_PATH=x\\n')\"\n"),
    "python3 -c that only reads": (
        "python3 -c \"print(open('{env}/ai-engine.env').read().count('MODEL_PATH'))\"\n"),
    "python3 -c writing the model elsewhere": (
        "python3 -c \"open('{other}/ai-engine.env', 'a').write('MODEL_PATH=x\\n')\"\n"),
    "python3 - <<EOF": ("python3 - <<'EOF'\nwith open('{env}/ai-engine.env', 'a') as f:\n"
                        "    f.write('MODEL_PATH=x\\n')\nEOF\n"),
    "python3 <<EOF that only reads": (
        "python3 <<'EOF'\nprint(open('{env}/ai-engine.env').read().count('MODEL_PATH'))\n"
        "EOF\n"),
    # a descriptor opened by `exec`, written later
    "exec 3>> then echo >&3": 'exec 3>>{env}/ai-engine.env\necho "MODEL_PATH=x" >&3\n',
    "exec 4> then printf 1>&4": (
        "exec 4>{env}/ai-engine.env\nprintf 'MODEL_PATH=%s\\n' x 1>&4\n"),
    "exec 3>> elsewhere then echo >&3": (
        'exec 3>>{other}/ai-engine.env\necho "MODEL_PATH=x" >&3\n'),
    "exec 3>> closed, then echo >&3": (
        'exec 3>>{env}/ai-engine.env\nexec 3>&-\necho "MODEL_PATH=x" >&3 || true\n'),
    # emptied
    "truncate -s 0 \"$MODEL_ENV\"": 'MODEL_ENV={env}/ai-engine.env\ntruncate -s 0 "$MODEL_ENV"\n',
    "truncate --size=0 \"$MODEL_ENV\"": (
        'MODEL_ENV={env}/ai-engine.env\ntruncate --size=0 "$MODEL_ENV"\n'),
    ": > \"$MODEL_ENV\"": 'MODEL_ENV={env}/ai-engine.env\n: > "$MODEL_ENV"\n',
    "truncate -r \"$MODEL_ENV\" elsewhere": (
        'MODEL_ENV={env}/ai-engine.env\ntruncate -r "$MODEL_ENV" {other}/ai-engine.env\n'),
    "truncate of another setting": 'LOGS={env}/backend.env\ntruncate -s 0 "$LOGS"\n',
    # words a variable stands for: arrays, loop variables, a function's parameters
    "array \"${FILES[@]}\"": f'FILES=({{env}}/ai-engine.env)\n{SED} "${{FILES[@]}}"\n',
    "array of two, \"${FILES[@]}\"": (
        f'FILES=({{env}}/backend.env {{env}}/ai-engine.env)\n{SED} "${{FILES[@]}}"\n'),
    "array appended, ${FILES[*]}": (
        f'FILES=({{other}}/ai-engine.env)\nFILES+=({{env}}/ai-engine.env)\n'
        f'{SED} ${{FILES[*]}}\n'),
    "array \"${FILES[1]}\"": (
        f'FILES=({{other}}/ai-engine.env {{env}}/ai-engine.env)\n{SED} "${{FILES[1]}}"\n'),
    "array elsewhere": f'FILES=({{other}}/ai-engine.env)\n{SED} "${{FILES[@]}}"\n',
    "array \"${FILES[0]}\" elsewhere": (
        f'FILES=({{other}}/ai-engine.env {{env}}/ai-engine.env)\n{SED} "${{FILES[0]}}"\n'),
    "for f in a glob": f'for f in {{env}}/*.env; do {SED} "$f"; done\n',
    "for f in words": (
        f'for f in {{other}}/ai-engine.env {{env}}/ai-engine.env; do\n    {SED} "$f"\ndone\n'),
    "for f in \"${FILES[@]}\"": (
        f'FILES=({{env}}/ai-engine.env)\nfor f in "${{FILES[@]}}"; do {SED} "$f"; done\n'),
    "for f in a glob, cp into it": (
        'for f in {env}/ai-engine.env; do cp staged/model.env "$f"; done\n'),
    "for f in a glob elsewhere": f'for f in {{other}}/*.env; do {SED} "$f"; done\n',
    "for f in a glob matching nothing": (
        f'for f in {{env}}/*.conf; do {SED} "$f" 2>/dev/null || true; done\n'),
    "for f, cp from it": 'for f in {env}/*.env; do cp "$f" {other}/; done\n',
    "function given the path": f'setw() {{ {SED} "$1"; }}\nsetw {{env}}/ai-engine.env\n',
    # what only the path model reads, in the forms its trigger must see
    "function keyword, no parentheses": (
        f'function setw {{ local f=$1; {SED} "$f"; }}\nsetw {{env}}/ai-engine.env\n'),
    "function reads a global set before its call": (
        f'setw() {{ {SED} "$TARGET"; }}\nTARGET={{env}}/ai-engine.env\nsetw\n'),
    "function reads a global set elsewhere": (
        f'setw() {{ {SED} "$TARGET" || true; }}\nTARGET={{other}}/ai-engine.env\nsetw\n'),
    "eval assigns the path": f"eval 'f={{env}}/ai-engine.env'\n{SED} \"$f\"\n",
    "select over the path": (
        f'select f in {{env}}/ai-engine.env; do {SED} "$f"; break; done <<< 1\n'),
    "function copies its parameter": (
        f'setw() {{ local f="$1"; {SED} "$f"; }}\nsetw {{env}}/ai-engine.env\n'),
    "function assigns its parameter": (
        f'setw() {{\n  f=$1\n  {SED} "$f"\n}}\nsetw {{env}}/ai-engine.env\n'),
    "function copies its parameter, another path": (
        f'setw() {{ local f="$1"; {SED} "$f"; }}\nsetw {{other}}/ai-engine.env\n'),
    "function given the path second": (
        f'setw() {{ local key=$1; {SED} "$2"; }}\nsetw MODEL {{env}}/ai-engine.env\n'),
    "function given another path": f'setw() {{ {SED} "$1"; }}\nsetw {{other}}/ai-engine.env\n',
    "function given the path, never called": (
        f'setw() {{ {SED} "$1"; }}\necho setw {{env}}/ai-engine.env\n'),
    # programs given the path by another program
    "echo PATH | xargs sed -i": f"echo {{env}}/ai-engine.env | xargs {SED}\n",
    "printf PATH | xargs -r sed -i": f"printf '%s\\n' {{env}}/ai-engine.env | xargs -r {SED}\n",
    "echo PATH | xargs sed -i elsewhere": f"echo {{other}}/ai-engine.env | xargs {SED}\n",
    "echo PATH | xargs -I{} sed -i {}": f"echo {{env}}/ai-engine.env | xargs -I{{}} {SED} {{}}\n",
    "printf two lines | xargs -I F sed -i F": (
        f"printf '%s\\n' {{other}}/ai-engine.env {{env}}/ai-engine.env | xargs -I F {SED} F\n"),
    "echo PATH | xargs -I{} sed -i elsewhere": (
        f"echo {{env}}/ai-engine.env | xargs -I{{}} {SED} {{other}}/ai-engine.env {{}}.x "
        "2>/dev/null || true\n"),
    "declare -a FILES=(...)": f'declare -a FILES=({{env}}/ai-engine.env)\n{SED} "${{FILES[@]}}"\n',
    "function given \"$@\"": f'setw() {{ {SED} "$@"; }}\nsetw {{env}}/ai-engine.env\n',
    "function calling a function": (
        f'setw() {{ {SED} "$1"; }}\nall() {{ setw "$1"; }}\nall {{env}}/ai-engine.env\n'),
    "function called in a loop": (
        f'setw() {{ {SED} "$1"; }}\nfor f in {{env}}/*.env; do setw "$f"; done\n'),
    "for f in \"$A\" \"$B\"": (
        f'A={{other}}/ai-engine.env\nB={{env}}/ai-engine.env\n'
        f'for f in "$A" "$B"; do {SED} "$f"; done\n'),
    "for f in words, the loop broken first": (
        f'for f in {{env}}/ai-engine.env; do break; {SED} "$f"; done\n'),
    "for f in a glob of the folder": f'for f in {{env}}/*; do {SED} "$f"; done\n',
    "ed, its script in a heredoc writing elsewhere": (
        "ed -s {env}/ai-engine.env <<'EOF'\n/^MODEL_PATH=/s/=.*/=x/\n"
        "w {other}/ai-engine.env\nq\nEOF\n"),
    "sudo -n truncate -s 0": ('MODEL_ENV={env}/ai-engine.env\n'
                              'sudo -n truncate -s 0 "$MODEL_ENV" 2>/dev/null || '
                              'truncate -s 0 "$MODEL_ENV"\n'),
    "python3 -c shutil.copy": (
        "python3 -c \"import shutil; shutil.copy('staged/model.env', '{env}/ai-engine.env')\"\n"),
    "python3 -c pathlib write_text": (
        "python3 -c \"import pathlib; "
        "pathlib.Path('{env}/ai-engine.env').write_text('MODEL_PATH=x')\"\n"),
    "find -exec sed -i {} +": f"find {{env}} -name '*.env' -exec {SED} {{}} +\n",
    "find -exec sed -i {} \\;": f"find {{env}} -name 'ai-*.env' -exec {SED} {{}} \\;\n",
    "find -type f -exec sed -i {} +": f"find {{env}} -type f -exec {SED} {{}} +\n",
    "find elsewhere -exec sed -i": f"find {{other}} -name '*.env' -exec {SED} {{}} +\n",
    "find -name '*.conf' -exec sed -i": f"find {{env}} -name '*.conf' -exec {SED} {{}} +\n",
    "python3 - <<EOF, its program on stdin": (
        "python3 - <<'EOF'\nwith open('{env}/ai-engine.env', 'a') as f:\n"
        "    f.write('MODEL_PATH=x\\n')\nEOF\n"),
    "python3 <<EOF reads": (
        "python3 <<'EOF'\nprint(open('{env}/ai-engine.env').read(), 'MODEL')\nEOF\n"),
    # a command's words on every line it spans; python -c read as Python
    "sed -i continued over three lines": (
        'sed -i \\\n  "s/^XGB_WEIGHT=.*/XGB_WEIGHT=0.10/" \\\n  {env}/ai-engine.env\n'),
    "python3 -c appends": (
        "python3 -c \"open('{env}/ai-engine.env', 'a').write('MODEL_PATH=x\\\\n')\"\n"),
    "cd, then python3 -c writes": (
        "cd {env}\npython3 -c 'import pathlib; pathlib.Path(\"ai-engine.env\")"
        ".write_text(\"MODEL_PATH=x\")'\n"),
    "python3 -c reads": "python3 -c \"print(open('{env}/ai-engine.env').read(), 'MODEL')\"\n",
}

PY_SED = '["sed", "-i", "s/^MODEL_PATH=.*/MODEL_PATH=x/", "{env}/ai-engine.env"]'
PY_VARIANTS: dict[str, str] = {
    "subprocess.run sed -i": f"import subprocess\nsubprocess.run({PY_SED}, check=True)\n",
    "subprocess.check_call sed -i": f"import subprocess\nsubprocess.check_call({PY_SED})\n",
    "subprocess.Popen sed -i": f"import subprocess\nsubprocess.Popen({PY_SED}).wait()\n",
    "os.system sed -i": ("import os\n"
                         "os.system(\"sed -i 's/^MODEL_PATH=.*/MODEL_PATH=x/' "
                         "{env}/ai-engine.env\")\n"),
    "shell=True cd && sed": ("import subprocess\n"
                             "subprocess.run(\"cd {env} && sed -i "
                             "'s/^MODEL_PATH=.*/MODEL_PATH=x/' ai-engine.env\", shell=True)\n"),
    "subprocess.run cp into the folder": ('import subprocess\n'
                                          'subprocess.run(["cp", "staged/model.env", '
                                          '"{env}/"], check=True)\n'),
    "subprocess.run sed -i in cwd=": (
        'import subprocess\nsubprocess.run(["sed", "-i", "s/^MODEL_PATH=.*/MODEL_PATH=x/", '
        '"ai-engine.env"], cwd="{env}", check=True)\n'),
    "shell=True in cwd=, echo >>": (
        'import subprocess\nsubprocess.run("echo MODEL_PATH=x >> ai-engine.env", shell=True, '
        'cwd="{env}", check=True)\n'),
    "shell=True in cwd=, cd into a subfolder, echo >": (
        'import os, subprocess\nos.makedirs("{env}/models", exist_ok=True)\n'
        'subprocess.run("cd models && echo MODEL_PATH=x > ai-engine.env", shell=True, '
        'cwd="{env}", check=True)\n'),
    "subprocess.run sed -i in cwd=Path(...)": (
        'import pathlib, subprocess\nD = pathlib.Path("{env}")\n'
        'subprocess.run(["sed", "-i", "s/^MODEL_PATH=.*/MODEL_PATH=x/", "ai-engine.env"], '
        'cwd=D, check=True)\n'),
    "subprocess.run sed -i in cwd= elsewhere": (
        'import subprocess\nsubprocess.run(["sed", "-i", "s/^MODEL_PATH=.*/MODEL_PATH=x/", '
        '"ai-engine.env"], cwd="{other}", check=True)\n'),
    "os.system echo >>": ('import os\n'
                          'os.system("echo MODEL_PATH=x >> {env}/ai-engine.env")\n'),
    "os.system echo >> of another setting": (
        'import os\nos.system("echo LOG_LEVEL=DEBUG >> {env}/backend.env")\n'),
    "os.system of another setting, a model named elsewhere": (
        'import os\nNOTE = "MODEL_PATH=x is set by the canary"\n'
        'os.system("echo LOG_LEVEL=DEBUG >> {env}/backend.env")\n'),
    "os.chdir, then open(..., 'a')": (
        'import os\nos.chdir("{env}")\nwith open("ai-engine.env", "a") as f:\n'
        '    f.write("MODEL_PATH=x\\n")\n'),
    "os.chdir, then subprocess sed -i": (
        'import os, subprocess\nos.chdir("{env}")\n'
        'subprocess.run(["sed", "-i", "s/^MODEL_PATH=.*/MODEL_PATH=x/", "ai-engine.env"], '
        'check=True)\n'),
    "os.chdir in a function, then Path.write_text": (
        'import os, pathlib\n\n\ndef main():\n    os.chdir("{env}")\n'
        '    pathlib.Path("ai-engine.env").write_text("MODEL_PATH=x\\n")\n\n\nmain()\n'),
    "os.chdir elsewhere, then open(..., 'a')": (
        'import os\nos.chdir("{other}")\nwith open("ai-engine.env", "a") as f:\n'
        '    f.write("MODEL_PATH=x\\n")\n'),
    "os.chdir in a function never called": (
        'import os\n\n\ndef go():\n    os.chdir("{env}")\n\n\n'
        'with open("ai-engine.env", "a") as f:\n    f.write("MODEL_PATH=x\\n")\n'),
    "os.chdir after the write": (
        'import os\nwith open("ai-engine.env", "a") as f:\n    f.write("MODEL_PATH=x\\n")\n'
        'os.chdir("{env}")\n'),
    "shutil.copy": 'import shutil\nshutil.copy("staged/model.env", "{env}/ai-engine.env")\n',
    "shutil.copy2": 'import shutil\nshutil.copy2("staged/model.env", "{env}/ai-engine.env")\n',
    "shutil.copyfile": ('import shutil\n'
                        'shutil.copyfile("staged/model.env", "{env}/ai-engine.env")\n'),
    "shutil.move": 'import shutil\nshutil.move("staged/model.env", "{env}/ai-engine.env")\n',
    "os.replace of a temp": ('import os\nTMP = "{env}/.ai-engine.tmp"\n'
                             'with open(TMP, "w") as f:\n    f.write("MODEL_PATH=x\\n")\n'
                             'os.replace(TMP, "{env}/ai-engine.env")\n'),
    "os.rename of a temp": ('import os\nTMP = "staged/next"\n'
                            'with open(TMP, "w") as f:\n    f.write("MODEL_PATH=x\\n")\n'
                            'os.rename(TMP, "{env}/ai-engine.env")\n'),
    "Path.write_text": ('import pathlib\n'
                        'pathlib.Path("{env}/ai-engine.env").write_text("MODEL_PATH=x\\n")\n'),
    "Path.write_text of another setting": (
        'import pathlib\npathlib.Path("{env}/backend.env").write_text("LOG_LEVEL=DEBUG\\n")\n'),
    "shutil.copy of another setting": (
        'import shutil\nshutil.copy("staged/logging.env", "{env}/backend.env")\n'),
    "subprocess.run sed -i of another setting": (
        'import subprocess\nsubprocess.run(["sed", "-i", "s/^LOG_LEVEL=.*/LOG_LEVEL=DEBUG/", '
        '"{env}/backend.env"], check=True)\n'),
    "subprocess.run sed -i elsewhere": (
        f"import subprocess\nsubprocess.run({PY_SED.replace('{env}', '{other}')}, "
        "check=True)\n"),
    "subprocess.run sed without -i": (
        'import subprocess\nsubprocess.run(["sed", "s/^MODEL_PATH=.*/MODEL_PATH=x/", '
        '"{env}/ai-engine.env"], check=True, capture_output=True)\n'),
    "os.replace elsewhere": ('import os\nTMP = "staged/next"\n'
                             'with open(TMP, "w") as f:\n    f.write("MODEL_PATH=x\\n")\n'
                             'os.replace(TMP, "{other}/ai-engine.env")\n'),
    # the write sinks by their table: `fileinput` in place, `os.open` by its flags
    "fileinput.input(inplace=True) with print": (
        'import fileinput\nfor line in fileinput.input("{env}/ai-engine.env", inplace=True):\n'
        '    print(line.replace("XGB_WEIGHT=0.2", "XGB_WEIGHT=0.10"), end="")\n'),
    "fileinput.input([...], inplace=True) with print": (
        'import fileinput\nwith fileinput.input(files=["{env}/ai-engine.env"], inplace=True) '
        'as f:\n    for line in f:\n        print(line.replace("MODEL_PATH=/opt/old", '
        '"MODEL_PATH=x"), end="")\n'),
    "fileinput.input, read only": (
        'import fileinput\nfor line in fileinput.input("{env}/ai-engine.env"):\n'
        '    print(line.replace("XGB_WEIGHT=0.2", "XGB_WEIGHT=0.10"), end="")\n'),
    "os.open O_WRONLY | O_APPEND, os.write": (
        'import os\nNEW = "XGB_WEIGHT=0.10\\n"\n'
        'fd = os.open("{env}/ai-engine.env", os.O_WRONLY | os.O_APPEND)\n'
        'os.write(fd, NEW.encode())\nos.close(fd)\n'),
    "os.open with flags from a name": (
        'import os\nFLAGS = os.O_RDWR | os.O_TRUNC\n'
        'fd = os.open("{env}/ai-engine.env", FLAGS)\nos.write(fd, b"MODEL_PATH=x\\n")\n'),
    "os.open O_RDONLY, os.read": (
        'import os\nfd = os.open("{env}/ai-engine.env", os.O_RDONLY)\n'
        'print(os.read(fd, 100), "MODEL_PATH")\nos.close(fd)\n'),
    # a parameter bound at the function's call sites
    "a function taking the path, called with the setting": (
        'def w(p):\n    with open(p, "a") as f:\n        f.write("XGB_WEIGHT=0.10\\n")\n\n\n'
        'w("{env}/ai-engine.env")\n'),
    "a function taking the path by keyword, one-liner": (
        'def w(note, p):\n    open(p, "a").write("MODEL_PATH=x\\n")\n\n\n'
        'w("x", p="{env}/ai-engine.env")\n'),
    "a function taking the path through another": (
        'import pathlib\n\n\ndef w(p):\n    pathlib.Path(p).write_text("MODEL_PATH=x\\n")\n\n\n'
        'def set_model(where):\n    w(where)\n\n\nset_model("{env}/ai-engine.env")\n'),
    "a function taking the folder, joined": (
        'import os\n\n\ndef w(folder):\n    with open(os.path.join(folder, "ai-engine.env"), '
        '"a") as f:\n        f.write("MODEL_PATH=x\\n")\n\n\nw("{env}")\n'),
    "a function taking the path, called elsewhere": (
        'def w(p):\n    with open(p, "a") as f:\n        f.write("XGB_WEIGHT=0.10\\n")\n\n\n'
        'w("{other}/ai-engine.env")\n'),
    "a function taking the path, never called": (
        'def w(p):\n    with open(p, "a") as f:\n        f.write("XGB_WEIGHT=0.10\\n")\n\n\n'
        'PATH = "{env}/ai-engine.env"\n'),
    "a method taking the path, called on an instance": (
        'class S:\n    def w(self, p):\n        with open(p, "a") as f:\n'
        '            f.write("MODEL_PATH=x\\n")\n\n\nS().w("{env}/ai-engine.env")\n'),
    "os.open O_CREAT | O_WRONLY with a mode": (
        'import os\nfd = os.open("{env}/ai-engine.env", os.O_CREAT | os.O_WRONLY, 0o640)\n'
        'os.write(fd, b"MODEL_PATH=x\\n")\n'),
    "codecs.open(..., 'w')": (
        'import codecs\nwith codecs.open("{env}/ai-engine.env", "a", "utf-8") as f:\n'
        '    f.write("MODEL_PATH=x\\n")\n'),
    "codecs.open, read": (
        'import codecs\nprint(codecs.open("{env}/ai-engine.env", "r").read(), "MODEL")\n'),
    "os.fdopen(os.open(..., O_TRUNC | O_WRONLY), 'w')": (
        'import os\nwith os.fdopen(os.open("{env}/ai-engine.env", os.O_TRUNC | os.O_WRONLY), '
        '"w") as f:\n    f.write("MODEL_PATH=x\\n")\n'),
    "str.replace naming the setting": (
        'NOTE = "edit {env}/ai-engine.env by hand"\n'
        'print(NOTE.replace("{env}/ai-engine.env", "MODEL_PATH=x"))\n'),
    # configparser writes `key = value` lines: a weight key names a weight
    "configparser writes a weight key": (
        'import configparser\nc = configparser.ConfigParser()\nc["x"] = {"XGB_WEIGHT": "0.10"}\n'
        'with open("{env}/ai-engine.env", "w") as f:\n    c.write(f)\n'),
    "configparser c.write(open(..., 'w')), a model key set": (
        'import configparser\nc = configparser.ConfigParser()\nc.add_section("m")\n'
        'c["m"]["model_path"] = "/opt/x"\nc.write(open("{env}/ai-engine.env", "w"))\n'),
    "configparser writes another setting": (
        'import configparser\nc = configparser.ConfigParser()\nc["x"] = {"LOG_LEVEL": "DEBUG"}\n'
        'with open("{env}/backend.env", "w") as f:\n    c.write(f)\n'),
    # what a path expression may be: its values at each binding, container, branch, call
    "configparser c.set(section, weight key), c.write": (
        'import configparser\nc = configparser.ConfigParser()\nc.optionxform = str\n'
        'c.read_string("[x]\\n" + open("{env}/ai-engine.env").read())\n'
        'c.set("x", "XGB_WEIGHT", "0.10")\n'
        'with open("{env}/ai-engine.env", "w") as f:\n    c.write(f)\n'),
    "configparser c.set(section, another key) of another setting": (
        'import configparser\nc = configparser.ConfigParser()\nc.add_section("x")\n'
        'c.set("x", "LOG_LEVEL", "DEBUG")\n'
        'with open("{env}/backend.env", "w") as f:\n    c.write(f)\n'),
    "a lambda writing its parameter": (
        'w = lambda p: open(p, "a").write("XGB_WEIGHT=0.10\\n")\nw("{env}/ai-engine.env")\n'),
    "a lambda writing its parameter, elsewhere": (
        'w = lambda p: open(p, "a").write("XGB_WEIGHT=0.10\\n")\nw("{other}/ai-engine.env")\n'),
    "a lambda never called": (
        'w = lambda p: open(p, "a").write("XGB_WEIGHT=0.10\\n")\nP = "{env}/ai-engine.env"\n'),
    "a class keeping the path in self.p": (
        'class S:\n    def __init__(self, p):\n        self.p = p\n\n'
        '    def set(self):\n        with open(self.p, "a") as f:\n'
        '            f.write("XGB_WEIGHT=0.10\\n")\n\n\nS("{env}/ai-engine.env").set()\n'),
    "a class keeping the path in self.p, elsewhere": (
        'class S:\n    def __init__(self, p):\n        self.p = p\n\n'
        '    def set(self):\n        with open(self.p, "a") as f:\n'
        '            f.write("XGB_WEIGHT=0.10\\n")\n\n\nS("{other}/ai-engine.env").set()\n'),
    "a class whose self.p is a constant": (
        'class S:\n    def __init__(self):\n        self.p = "{env}/ai-engine.env"\n\n'
        '    def set(self):\n        pathlib.Path(self.p).write_text("XGB_WEIGHT=0.10\\n")\n\n\n'
        'import pathlib\nS().set()\n'),
    "a helper returning open(p, m)": (
        'def opener(p, m):\n    return open(p, m)\n\n\n'
        'with opener("{env}/ai-engine.env", "a") as f:\n    f.write("XGB_WEIGHT=0.10\\n")\n'),
    "a helper returning open(p, m), reading": (
        'def opener(p, m):\n    return open(p, m)\n\n\n'
        'with opener("{env}/ai-engine.env", "r") as f:\n    print(f.read(), "XGB_WEIGHT")\n'),
    "functools.partial(open, ENV, 'a')": (
        'import functools\nw = functools.partial(open, "{env}/ai-engine.env", "a")\n'
        'with w() as f:\n    f.write("XGB_WEIGHT=0.10\\n")\n'),
    "partial(open, mode='a') given the path": (
        'from functools import partial\nw = partial(open, mode="a")\n'
        'with w("{env}/ai-engine.env") as f:\n    f.write("XGB_WEIGHT=0.10\\n")\n'),
    "functools.partial(open, ENV) reading": (
        'import functools\nr = functools.partial(open, "{env}/ai-engine.env")\n'
        'with r() as f:\n    print(f.read(), "XGB_WEIGHT")\n'),
    "paths from a list iterated": (
        'PATHS = ["{other}/ai-engine.env", "{env}/ai-engine.env"]\nfor p in PATHS:\n'
        '    with open(p, "a") as f:\n        f.write("XGB_WEIGHT=0.10\\n")\n'),
    "paths from a list iterated, elsewhere": (
        'PATHS = ("{other}/ai-engine.env",)\nfor p in PATHS:\n'
        '    with open(p, "a") as f:\n        f.write("XGB_WEIGHT=0.10\\n")\n'),
    "a path from a dict subscripted": (
        'PATHS = {"ai": "{env}/ai-engine.env", "o": "{other}/ai-engine.env"}\n'
        'with open(PATHS["ai"], "a") as f:\n    f.write("XGB_WEIGHT=0.10\\n")\n'),
    "a path from a dict subscripted, the other key": (
        'PATHS = {"ai": "{env}/ai-engine.env", "o": "{other}/ai-engine.env"}\n'
        'with open(PATHS["o"], "a") as f:\n    f.write("XGB_WEIGHT=0.10\\n")\n'),
    "a path from a list subscripted": (
        'PATHS = ["{other}/ai-engine.env", "{env}/ai-engine.env"]\n'
        'open(PATHS[1], "a").write("XGB_WEIGHT=0.10\\n")\n'),
    "a path from a list subscripted, the other index": (
        'PATHS = ["{other}/ai-engine.env", "{env}/ai-engine.env"]\n'
        'open(PATHS[0], "a").write("XGB_WEIGHT=0.10\\n")\n'),
    "a dict's values iterated": (
        'PATHS = {"ai": "{env}/ai-engine.env"}\nfor p in PATHS.values():\n'
        '    open(p, "a").write("XGB_WEIGHT=0.10\\n")\n'),
    "pairs unpacked in a for loop": (
        'for name, p in [("ai", "{env}/ai-engine.env")]:\n'
        '    open(p, "a").write("XGB_WEIGHT=0.10\\n")\n'),
    "a tuple unpacked": (
        'src, dst = "{other}/x", "{env}/ai-engine.env"\n'
        'open(dst, "a").write("XGB_WEIGHT=0.10\\n")\n'),
    "a tuple unpacked, the other name": (
        'dst, src = "{other}/ai-engine.env", "{env}/ai-engine.env"\n'
        'open(dst, "a").write("XGB_WEIGHT=0.10\\n")\n'),
    "a conditional expression, the setting its default": (
        'import sys\np = sys.argv[1] if len(sys.argv) > 1 else "{env}/ai-engine.env"\n'
        'open(p, "a").write("XGB_WEIGHT=0.10\\n")\n'),
    "a conditional expression, elsewhere": (
        'import sys\np = sys.argv[1] if len(sys.argv) > 1 else "{other}/ai-engine.env"\n'
        'open(p, "a").write("XGB_WEIGHT=0.10\\n")\n'),
    "os.environ.get(...) or the setting": (
        'import os\np = os.environ.get("QT_SETTING") or "{env}/ai-engine.env"\n'
        'open(p, "a").write("XGB_WEIGHT=0.10\\n")\n'),
    "glob.glob of the folder's *.env": (
        'import glob\nfor p in glob.glob("{env}/*.env"):\n'
        '    s = open(p).read().replace("XGB_WEIGHT=0.2", "XGB_WEIGHT=0.10")\n'
        '    open(p, "w").write(s)\n'),
    "glob.glob elsewhere": (
        'import glob\nfor p in glob.glob("{other}/*.env"):\n'
        '    s = open(p).read().replace("XGB_WEIGHT=0.2", "XGB_WEIGHT=0.10")\n'
        '    open(p, "w").write(s)\n'),
    "glob.glob of *.conf (nothing)": (
        'import glob\nfor p in glob.glob("{env}/*.conf"):\n'
        '    open(p, "a").write("XGB_WEIGHT=0.10\\n")\n'),
    "Path(folder).glob('*.env') and write_text": (
        'from pathlib import Path\nfor p in Path("{env}").glob("*.env"):\n'
        '    p.write_text(p.read_text().replace("XGB_WEIGHT=0.2", "XGB_WEIGHT=0.10"))\n'),
    "Path(folder).glob elsewhere": (
        'from pathlib import Path\nfor p in Path("{other}").glob("*.env"):\n'
        '    p.write_text(p.read_text().replace("XGB_WEIGHT=0.2", "XGB_WEIGHT=0.10"))\n'),
    "mmap of a file opened r+b": (
        'import mmap\nf = open("{env}/ai-engine.env", "r+b")\nm = mmap.mmap(f.fileno(), 0)\n'
        'i = m.find(b"XGB_WEIGHT=") + 11\nm[i:i + 3] = b"0.9"\nm.flush()\n'),
    "mmap of a file opened rb, read": (
        'import mmap\nf = open("{env}/ai-engine.env", "rb")\n'
        'm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)\nprint(m.find(b"XGB_WEIGHT="))\n'),
    "os.truncate(MODEL_ENV, 0)": (
        'import os\nMODEL_ENV = "{env}/ai-engine.env"\nos.truncate(MODEL_ENV, 0)\n'),
    "os.truncate of another setting": (
        'import os\nLOGS = "{env}/backend.env"\nos.truncate(LOGS, 0)\n'),
    "each name os.listdir gives, joined to the folder": (
        'import os\nD = "{env}"\nfor name in os.listdir(D):\n'
        '    open(os.path.join(D, name), "a").write("XGB_WEIGHT=0.10\\n")\n'),
    "each name os.listdir gives, elsewhere": (
        'import os\nD = "{other}"\nfor name in os.listdir(D):\n'
        '    open(os.path.join(D, name), "a").write("XGB_WEIGHT=0.10\\n")\n'),
    "Path(folder) / a name from a list": (
        'from pathlib import Path\nfor name in ["ai-engine.env"]:\n'
        '    (Path("{env}") / name).write_text("XGB_WEIGHT=0.10\\n")\n'),
    "Path(folder) / a name from a list, elsewhere": (
        'from pathlib import Path\nfor name in ["ai-engine.env"]:\n'
        '    (Path("{other}") / name).write_text("XGB_WEIGHT=0.10\\n")\n'),
    "a class attribute read as self.p": (
        'class S:\n    p = "{env}/ai-engine.env"\n\n    def run(self):\n'
        '        open(self.p, "a").write("XGB_WEIGHT=0.10\\n")\n\n\nS().run()\n'),
    "a class attribute read as self.p, elsewhere": (
        'class S:\n    p = "{other}/ai-engine.env"\n\n    def run(self):\n'
        '        open(self.p, "a").write("XGB_WEIGHT=0.10\\n")\n\n\nS().run()\n'),
    "two loops binding the name, the first writes elsewhere": (
        'for p in ["{other}/ai-engine.env"]:\n    open(p, "a").write("XGB_WEIGHT=0.10\\n")\n'
        'for p in ["{env}/ai-engine.env"]:\n    print(open(p).read(), "XGB_WEIGHT")\n'),
    "two loops binding the name, the second writes": (
        'for p in ["{other}/ai-engine.env"]:\n    print(open(p).read(), "XGB_WEIGHT")\n'
        'for p in ["{env}/ai-engine.env"]:\n    open(p, "a").write("XGB_WEIGHT=0.10\\n")\n'),
}

# make runs each recipe line in a shell of its own (a line continued by `\` is one)
MAKE_SED = "sed -i 's/^MODEL_PATH=.*/MODEL_PATH=x/'"
MAKE_VARIANTS: dict[str, str] = {
    "cd && sed on one line": f"all:\n\tcd {{env}} && {MAKE_SED} ai-engine.env\n",
    "cd; continued line, sed": f"all:\n\tcd {{env}}; \\\n\t{MAKE_SED} ai-engine.env\n",
    "cd on its own line, sed on the next": (
        f"all:\n\tcd {{env}}\n\t{MAKE_SED} ai-engine.env || true\n"),
    "cd elsewhere && sed": f"all:\n\tcd {{other}} && {MAKE_SED} ai-engine.env\n",
    "temp written, moved on the next line": (
        "all:\n\techo MODEL_PATH=x > staged/next\n\tmv staged/next {env}/ai-engine.env\n"),
    "temp of another setting, moved": (
        "all:\n\techo LOG_LEVEL=DEBUG > staged/next\n\tmv staged/next {env}/backend.env\n"),
    "install with the mode after the operands": (
        "all:\n\tinstall staged/model.env {env}/ai-engine.env -m 0640\n"),
    # recipes read as the shell reads them after make's expansion
    "sed -i continued over three lines": (
        'all:\n\tsed -i \\\n\t  "s/^XGB_WEIGHT=.*/XGB_WEIGHT=0.10/" \\\n\t  {env}/ai-engine.env\n'),
    "define'd sed used as $(SETW)": (
        'define SETW\nsed -i "s/^XGB_WEIGHT=.*/XGB_WEIGHT=0.10/" {env}/ai-engine.env\nendef\n'
        'all:\n\t$(SETW)\n'),
    "define'd lines with @ prefixes": (
        'define SETW\n@echo setting\n@sed -i "s/^XGB_WEIGHT=.*/XGB_WEIGHT=0.10/" '
        '{env}/ai-engine.env\nendef\nall:\n\t$(SETW)\n'),
    "define'd one line with an @ prefix": (
        'define SETW\n@sed -i "s/^XGB_WEIGHT=.*/XGB_WEIGHT=0.10/" {env}/ai-engine.env\nendef\n'
        'all:\n\t$(SETW)\n'),
    "define'd cd then sed: two shells": (
        f'define SETW\ncd {{env}}\n-{MAKE_SED} ai-engine.env\nendef\nall:\n\t$(SETW)\n'),
    "define'd cd && sed: one shell": (
        f'define SETW\ncd {{env}} && {MAKE_SED} ai-engine.env\nendef\nall:\n\t$(SETW)\n'),
    "define'd cd then sed under .ONESHELL: one shell": (
        f".ONESHELL:\ndefine SETW\ncd {{env}}\n{MAKE_SED} ai-engine.env\nendef\nall:\n\t$(SETW)\n"),
    "define'd -cd elsewhere then sed: two shells": (
        f"define SETW\n-cd {{other}}\n-{MAKE_SED} {{env}}/ai-engine.env\nendef\nall:\n\t$(SETW)\n"),
    "python3 -c appends": (
        "all:\n\tpython3 -c \"open('{env}/ai-engine.env','a').write('XGB_WEIGHT=0.10\\\\n')\"\n"),
    "python3 -c reads": (
        "all:\n\tpython3 -c \"print(open('{env}/ai-engine.env').read(), 'MODEL')\"\n"),
    "python3 -c in a cd": (
        "all:\n\tcd {env} && python3 -c \"open('ai-engine.env','a').write('MODEL_PATH=x')\"\n"),
    # automatic variables
    "target named by the setting, echo >> $@": (
        "{env}/ai-engine.env: FORCE\n\techo XGB_WEIGHT=0.10 >> $@\nFORCE:\n"),
    "target named by the setting, cd $(@D), sed $(@F)": (
        f"{{env}}/ai-engine.env: FORCE\n\tcd $(@D) && {MAKE_SED} $(@F)\nFORCE:\n"),
    "sed -i $< of a prerequisite": f"all: {{env}}/ai-engine.env\n\t{MAKE_SED} $<\n",
    "sed -i $^ of prerequisites": (
        f"all: staged/model.env {{env}}/ai-engine.env\n\t{MAKE_SED} $^\n"),
    "cat $< into a copy": "all: {env}/ai-engine.env\n\tcat $< > staged/copy\n",
    "a target named by a variable, echo >> $@": (
        "ENVF := {env}/ai-engine.env\n$(ENVF): FORCE\n\techo MODEL_PATH=x >> $@\nFORCE:\n"),
    "$@ of a target elsewhere": "{other}/ai-engine.env: FORCE\n\techo MODEL_PATH=x >> $@\nFORCE:\n",
    "$@ of one of two targets": (
        "all: staged/a {env}/ai-engine.env\nstaged/a {env}/ai-engine.env: FORCE\n"
        "\techo MODEL_PATH=x >> $@\nFORCE:\n"),
    "$@ under .ONESHELL": (
        ".ONESHELL:\n{env}/ai-engine.env: FORCE\n\tcd $(@D)\n\techo MODEL_PATH=x >> $(@F)\n"
        "FORCE:\n"),
    "$(call SETW,path) of a define": (
        f"define SETW\n{MAKE_SED} $(1)\nendef\nall:\n\t$(call SETW,{{env}}/ai-engine.env)\n"),
    "$(shell ...) writes as make reads the Makefile": (
        "X := $(shell echo MODEL_PATH=x >> {env}/ai-engine.env)\nall:\n\t@true\n"),
    # make's functions expanded into the text the shell receives, or run by make itself
    "$(file >>ENV,...) in a recipe": (
        "all:\n\t$(file >>{env}/ai-engine.env,MODEL_PATH=x)\n\t@true\n"),
    "$(file >ENV,...) in a recipe": "all:\n\t$(file >{env}/ai-engine.env,XGB_WEIGHT=0.9)\n",
    "$(file >>...) in a recipe, elsewhere": (
        "all:\n\t$(file >>{other}/ai-engine.env,MODEL_PATH=x)\n\t@true\n"),
    "$(file <ENV) reads": "all:\n\t@echo '$(file <{env}/ai-engine.env)' MODEL >/dev/null\n",
    "$(file >>...) of another setting": (
        "all:\n\t$(file >>{env}/backend.env,LOG_LEVEL=DEBUG)\n\t@true\n"),
    "top-level $(file >>$(ENVF),...)": (
        "ENVF := {env}/ai-engine.env\n$(file >>$(ENVF),XGB_WEIGHT=0.9)\nall:\n\t@true\n"),
    "top-level $(file ...) with the text in a variable": (
        "ENVF := {env}/ai-engine.env\nLINE = XGB_WEIGHT=0.9\n$(file >>$(ENVF),$(LINE))\n"
        "all:\n\t@true\n"),
    "X := $(file >>...) as make reads it": (
        "X := $(file >>{env}/ai-engine.env,MODEL_PATH=x)\nall:\n\t@true\n"),
    "top-level $(file >>...) elsewhere": (
        "$(file >>{other}/ai-engine.env,MODEL_PATH=x)\nall:\n\t@true\n"),
    "a define'd $(file ...) used in a recipe": (
        "define W\n$(file >>$(1),MODEL_PATH=x)\nendef\nall:\n\t$(call W,{env}/ai-engine.env)"
        "\n\t@true\n"),
    "for f in a glob, $$f": (
        f"all:\n\tfor f in {{env}}/*.env; do {MAKE_SED} $$f; done\n"),
    "for f in a glob elsewhere, $$f": (
        f"all:\n\tfor f in {{other}}/*.env; do {MAKE_SED} $$f; done\n"),
    "for f in $(FILES), \"$$f\"": (
        f"FILES = {{other}}/x.env {{env}}/ai-engine.env\nall:\n"
        f"\tfor f in $(FILES); do {MAKE_SED} \"$$f\" 2>/dev/null || true; done\n"),
    "$(foreach f,$(FILES),sed $(f);)": (
        f"FILES = {{env}}/ai-engine.env\nall:\n\t$(foreach f,$(FILES),{MAKE_SED} $(f);)\n"),
    "$(foreach) over names, folder prefixed": (
        f"NAMES = backend ai-engine\nall:\n\t$(foreach n,$(NAMES),{MAKE_SED} {{env}}/$(n).env;)\n"),
    "$(foreach) elsewhere": (
        f"FILES = {{other}}/ai-engine.env\nall:\n\t$(foreach f,$(FILES),{MAKE_SED} $(f);)\n"),
    "$(foreach) of another setting": (
        "FILES = {env}/backend.env\nall:\n"
        "\t$(foreach f,$(FILES),sed -i 's/^LOG_LEVEL=.*/LOG_LEVEL=X/' $(f);)\n"),
    "sed $(wildcard ENVDIR/*.env)": f"all:\n\t{MAKE_SED} $(wildcard {{env}}/*.env)\n",
    "sed $(wildcard) elsewhere": f"all:\n\t{MAKE_SED} $(wildcard {{other}}/*.env)\n",
    "sed $(wildcard) matching nothing": (
        f"all:\n\t-{MAKE_SED} $(wildcard {{env}}/*.conf) 2>/dev/null\n"),
    "$(eval rule: ; sed ENV)": f"$(eval all: ; {MAKE_SED} {{env}}/ai-engine.env)\n",
    "$(eval X := ENV), sed $(X)": (
        f"$(eval X := {{env}}/ai-engine.env)\nall:\n\t{MAKE_SED} $(X)\n"),
    "$(eval $(call T,...)) of a define'd rule": (
        f"define T\n$(1): FORCE\n\t{MAKE_SED} $$@\nendef\n"
        "all: {env}/ai-engine.env\n$(eval $(call T,{env}/ai-engine.env))\nFORCE:\n"),
    "$(eval rule: ; sed) elsewhere": f"$(eval all: ; {MAKE_SED} {{other}}/ai-engine.env)\n",
    "printf PATH | xargs sed -i": (
        f"all:\n\t@printf \"%s\\n\" {{env}}/ai-engine.env | xargs {MAKE_SED}\n"),
    "printf PATH | xargs sed -i elsewhere": (
        f"all:\n\t@printf \"%s\\n\" {{other}}/ai-engine.env | xargs {MAKE_SED}\n"),
    "sed $(patsubst %,ENVDIR/%.env,NAME)": (
        f"N = ai-engine\nall:\n\t{MAKE_SED} $(patsubst %,{{env}}/%.env,$(N))\n"),
    "sed $(subst ...) into the folder": (
        f"P = {{other}}/ai-engine.env\nall:\n\t{MAKE_SED} $(subst {{other}},{{env}},$(P))\n"),
    "a pattern rule's $*": (
        f"all: {{env}}/ai-engine.stamp\n{{env}}/%.stamp: FORCE\n\t{MAKE_SED} {{env}}/$*.env\n"
        "FORCE:\n"),
    "$(file >$@,...) of a target named by the setting": (
        "{env}/ai-engine.env: FORCE\n\t$(file >$@,MODEL_PATH=x)\n\t@true\nFORCE:\n"),
    "top-level $(foreach) of $(file >>...) over a $(wildcard)": (
        "$(foreach f,$(wildcard {env}/ai-*.env),$(file >>$(f),MODEL_PATH=x))\nall:\n\t@true\n"),
    "W = $(file >>...) never expanded": (
        "W = $(file >>{env}/ai-engine.env,MODEL_PATH=x)\nall:\n\t@true\n"),
    "$(eval $(R)) of a define'd rule": (
        f"define R\nall:\n\t{MAKE_SED} {{env}}/ai-engine.env\nendef\n$(eval $(R))\n"),
    "$(eval) inside ifeq": (
        f"ifeq (1,1)\n$(eval all: ; {MAKE_SED} {{env}}/ai-engine.env)\nendif\n"),
    "$(eval) inside an ifeq not taken": (
        f"ifeq (1,2)\n$(eval all: ; {MAKE_SED} {{env}}/ai-engine.env)\nendif\nall:\n\t@true\n"),
    "$(foreach) making rules by $(eval)": (
        "NAMES = ai-engine\n"
        f"$(foreach n,$(NAMES),$(eval set-$(n): ; {MAKE_SED} {{env}}/$(n).env))\n"
        "all: set-ai-engine\n"),
    "a recipe's $(eval X := ...), then $(X)": (
        f"all:\n\t$(eval X := {{env}}/ai-engine.env)\n\t{MAKE_SED} $(X)\n"),
    "a recipe's $(eval X := ...) elsewhere, then $(X)": (
        f"all:\n\t$(eval X := {{other}}/ai-engine.env)\n\t{MAKE_SED} $(X)\n"),
    "ENVS := $(wildcard), for f in $(ENVS)": (
        f"ENVS := $(wildcard {{env}}/*.env)\nall:\n\tfor f in $(ENVS); do {MAKE_SED} $$f; done\n"),
    ".ONESHELL: a for loop over lines": (
        f".ONESHELL:\nall:\n\tfor f in {{env}}/*.env; do\n\t  {MAKE_SED} $$f\n\tdone\n"),
    "$(if) choosing elsewhere": (
        f"X =\nall:\n\t{MAKE_SED} $(if $(X),{{env}}/ai-engine.env,{{other}}/ai-engine.env)\n"),
    "$(if) choosing the setting": (
        f"X = 1\nall:\n\t{MAKE_SED} $(if $(X),{{env}}/ai-engine.env,{{other}}/ai-engine.env)\n"),
    "$(call W,$(wildcard ...))": (
        f"define W\n{MAKE_SED} $(1)\nendef\nall:\n\t$(call W,$(wildcard {{env}}/ai-*.env))\n"),
    "a pattern rule's $* elsewhere": (
        f"all: {{other}}/ai-engine.stamp\n{{other}}/%.stamp: FORCE\n"
        f"\t{MAKE_SED} {{other}}/$*.env\nFORCE:\n"),
}

# a switch reaches the recipe's process: its environment, printed by `env`
MAKE_SWITCH_VARIANTS: dict[str, str] = {
    "export AUTO_ACTIVATION=enabled": "export AUTO_ACTIVATION=enabled\nall:\n\t@env\n",
    "AUTO_ACTIVATION=enabled, not exported": "AUTO_ACTIVATION=enabled\nall:\n\t@env\n",
    "AUTO_ACTIVATION := yes, then export AUTO_ACTIVATION": (
        "AUTO_ACTIVATION := yes\nexport AUTO_ACTIVATION\nall:\n\t@env\n"),
    "exported, then unexport": (
        "export AUTO_ACTIVATION = enabled\nunexport AUTO_ACTIVATION\nall:\n\t@env\n"),
    ".EXPORT_ALL_VARIABLES, SHADOW_MODE=disabled": (
        ".EXPORT_ALL_VARIABLES:\nSHADOW_MODE = disabled\nall:\n\t@env\n"),
    "export SHADOW_MODE=enabled (the contract's)": "export SHADOW_MODE=enabled\nall:\n\t@env\n",
    "target-specific export SHADOW_MODE=disabled": (
        "all: export SHADOW_MODE=disabled\nall:\n\t@env\n"),
    "target-specific SHADOW_MODE=disabled, not exported": (
        "all: SHADOW_MODE=disabled\nall:\n\t@env\n"),
    "export of a variable set from another": (
        "ON = enabled\nexport QT_CLM_AUTO_PROMOTE = $(ON)\nall:\n\t@env\n"),
    "recipe prefix SHADOW_MODE=disabled sh -c": (
        "all:\n\tSHADOW_MODE=disabled sh -c 'echo SHADOW=$$SHADOW_MODE; env'\n"),
    "recipe prefix env SHADOW_MODE=disabled": "all:\n\tenv SHADOW_MODE=disabled env\n",
    "recipe export AUTO_ACTIVATION=yes; env": "all:\n\texport AUTO_ACTIVATION=yes; env\n",
    "recipe line SHADOW_MODE=disabled alone, env on the next": (
        "all:\n\tSHADOW_MODE=disabled\n\t@env\n"),
    "recipe SHADOW_MODE=disabled; env": "all:\n\tSHADOW_MODE=disabled; env\n",
    "recipe SHADOW_MODE=disabled; export SHADOW_MODE; env": (
        "all:\n\tSHADOW_MODE=disabled; export SHADOW_MODE; env\n"),
    "recipe set -a; SHADOW_MODE=disabled; env": "all:\n\tset -a; SHADOW_MODE=disabled; env\n",
    "recipe prefix SHADOW_MODE=enabled": "all:\n\tSHADOW_MODE=enabled env\n",
    "export AUTO_ACTIVATION ?= enabled": "export AUTO_ACTIVATION ?= enabled\nall:\n\t@env\n",
    "override export SHADOW_MODE := off": "override export SHADOW_MODE := off\nall:\n\t@env\n",
    "a target's export reaches its prerequisite": (
        "all: sub\nall: export SHADOW_MODE=disabled\nsub:\n\t@env\n"),
    "a target's export, a target with no recipe": (
        "all: sub\nother: export SHADOW_MODE=disabled\nsub:\n\t@env\n"),
}

_NAMED = re.compile(r"(?i)model|weight")
SETTING = "MODEL_PATH=/opt/old\nXGB_WEIGHT=0.2\nLOG_LEVEL=INFO\n"


def _contract(root: Path) -> Contract:
    return Contract(repo_root=str(root / "repo"), venv_root=str(root / "venvs"),
                    env_dir=str(root / "etc/quantum"), db_path=str(root / "data/q.db"),
                    model_dir=str(root / "models"), log_dir=str(root / "log"),
                    data_dir=str(root / "data"))


def _tree(root: Path) -> None:
    for folder in ("etc/quantum", "other", "repo/ops", "repo/staged"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "etc/quantum/ai-engine.env").write_text(SETTING)
    (root / "etc/quantum/backend.env").write_text("LOG_LEVEL=INFO\n")
    (root / "other/ai-engine.env").write_text(SETTING)
    (root / "repo/.env.model_config").write_text("ACTIVE_MODEL=old\n")
    (root / "repo/staged/model.env").write_text("MODEL_PATH=/opt/new\n")
    (root / "repo/staged/logging.env").write_text("LOG_LEVEL=DEBUG\n")


def _settings(root: Path) -> dict[str, list[str]]:
    """The lines naming a model or a weight, per setting file."""
    files = [*sorted((root / "etc/quantum").glob("*.env")), root / "repo/.env.model_config"]
    named = {str(p): [line for line in p.read_text().splitlines() if _NAMED.search(line)]
             for p in files if p.is_file()}
    return {path: lines for path, lines in named.items() if lines}


def _judged(root: Path, rel: str, text: str, run: list[str]) -> tuple[bool, list[str]]:
    c = _contract(root)
    _tree(root)
    script = root / "repo" / rel
    script.write_text(text.replace("{env}", c.env_dir).replace("{other}", str(root / "other")))
    before = _settings(root)
    subprocess.run([*run, str(script)], cwd=root / "repo", capture_output=True, timeout=20,
                   stdin=subprocess.DEVNULL,
                   check=False, env={"PATH": "/usr/bin:/bin", "TMPDIR": str(root / "other")})
    wrote = _settings(root) != before
    config = Config(root=root / "repo", select=("QT601",), contract=c)
    found = check([script], config, jobs=1).findings
    return wrote, [f"{f.line}:{f.column}: {f.message}" for f in found]


@pytest.mark.parametrize("name", sorted(SHELL_VARIANTS))
def test_qt601_reports_a_script_exactly_when_bash_writes_the_setting(
        tmp_path_factory: pytest.TempPathFactory, name: str) -> None:
    root = tmp_path_factory.mktemp("w")
    wrote, found = _judged(root, "ops/x.sh", SHELL_VARIANTS[name], ["bash"])
    assert all("writes the model setting" in f for f in found), found
    assert bool(found) == wrote, (name, wrote, found)


@pytest.mark.parametrize("name", sorted(MAKE_VARIANTS))
def test_qt601_reports_a_makefile_exactly_when_make_writes_the_setting(
        tmp_path_factory: pytest.TempPathFactory, name: str) -> None:
    root = tmp_path_factory.mktemp("w")
    wrote, found = _judged(root, "Makefile", MAKE_VARIANTS[name], ["make", "-s", "-f"])
    assert all("writes the model setting" in f for f in found), found
    assert bool(found) == wrote, (name, wrote, found)


# every writer through every way make hands it the path, into the setting and elsewhere
GRID_WRITERS = {
    "sed -i": "sed -i 's/^MODEL_PATH=.*/MODEL_PATH=x/' {dest}",
    "echo >>": "echo MODEL_PATH=x >> {dest}",
    "cp": "cp $(CURDIR)/staged/model.env {dest}",
    "tee -a": "echo MODEL_PATH=x | tee -a {dest} >/dev/null",
    "python3 -c": "python3 -c \"open('{dest}', 'a').write('MODEL_PATH=x')\"",
}
GRID_WAYS = {
    "as written": lambda w, d: f"all:\n\t{w.format(dest=d)}\n",
    "continued": lambda w, d: "all:\n\t{} \\\n\t  {}\n".format(*w.format(dest=d).split(" ", 1)),
    "a define": lambda w, d: f"define W\n{w.format(dest=d)}\nendef\nall:\n\t$(W)\n",
    "$(call)": lambda w, d: f"define W\n{w.format(dest='$(1)')}\nendef\nall:\n\t$(call W,{d})\n",
    "$@": lambda w, d: f"{d}: FORCE\n\t{w.format(dest='$@')}\nFORCE:\n",
    "$<": lambda w, d: f"all: {d}\n\t{w.format(dest='$<')}\n",
    "a variable": lambda w, d: f"D := {d}\nall:\n\t{w.format(dest='$(D)')}\n",
    "cd $(DIR)": lambda w, d: (f"DIR := {d.rsplit('/', 1)[0]}\nall:\n"
                               f"\tcd $(DIR) && {w.format(dest='ai-engine.env')}\n"),
}
def _folder(path: str) -> str:
    return path.rsplit("/", 1)[0]


# make's functions, run by make: the text the shell receives is their expansion
GRID_FUNCTION_WAYS = {
    "$(foreach)": lambda w, d: f"all:\n\t$(foreach x,{d},{w.format(dest='$(x)')};)\n",
    "$(eval rule)": lambda w, d: f"$(eval all: ; {w.format(dest=d)})\n",
    "$(eval $(call T))": lambda w, d: (f"define T\nall:\n\t{w.format(dest='$(1)')}\nendef\n"
                                       f"$(eval $(call T,{d}))\n"),
    "$(wildcard)": lambda w, d: f"all:\n\t{w.format(dest=f'$(wildcard {d})')}\n",
    "$(patsubst)": lambda w, d: (
        "N := ai-engine\nall:\n\t"
        + w.format(dest="$(patsubst %," + _folder(d) + "/%.env,$(N))") + "\n"),
    "a shell for loop": lambda w, d: f"all:\n\tfor f in {d}; do {w.format(dest='$$f')}; done\n",
    "a pattern rule's $*": lambda w, d: (
        f"all: {_folder(d)}/ai-engine.stamp\n{_folder(d)}/%.stamp: FORCE\n\t"
        + w.format(dest=_folder(d) + "/$*.env") + "\nFORCE:\n"),
}
GRID_WAYS.update(GRID_FUNCTION_WAYS)
GRID = [(writer, way, where) for writer in GRID_WRITERS for way in GRID_WAYS
        for where in ("{env}", "{other}")]


@pytest.mark.parametrize(("writer", "way", "where"), GRID)
def test_qt601_reports_each_writer_make_hands_a_path_exactly_when_it_writes(
        tmp_path_factory: pytest.TempPathFactory, writer: str, way: str, where: str) -> None:
    root = tmp_path_factory.mktemp("w")
    text = GRID_WAYS[way](GRID_WRITERS[writer], f"{where}/ai-engine.env")
    wrote, found = _judged(root, "Makefile", text, ["make", "-s", "-f"])
    assert all("writes the model setting" in f for f in found), found
    assert bool(found) == wrote, (text, wrote, found)
    assert wrote == (where == "{env}"), text  # the variant does what it says


# every Python writer through every way a path reaches it, into the setting and elsewhere
PY_GRID_WRITERS = {
    "open": 'open({e}, "a").write("MODEL_PATH=x\\n")',
    "Path.write_text": 'pathlib.Path({e}).write_text("MODEL_PATH=x\\n")',
    "fileinput": ('for line in fileinput.input({e}, inplace=True): '
                  'print(line.replace("MODEL_PATH=/opt/old", "MODEL_PATH=x"), end="")'),
    "os.open": 'os.write(os.open({e}, os.O_WRONLY | os.O_APPEND), b"MODEL_PATH=x\\n")',
    "shutil.copy": 'shutil.copy("staged/model.env", {e})',
    "codecs.open": 'codecs.open({e}, "a").write("MODEL_PATH=x\\n")',
    "subprocess.run sed -i": ('subprocess.run(["sed", "-i", "s/^MODEL_PATH=.*/MODEL_PATH=x/", '
                              '{e}], check=True)'),
    "os.system echo >>": 'os.system("echo MODEL_PATH=x >> " + {e})',
}
JOINED = 'os.path.join(d, "ai-engine.env")'
PY_GRID_WAYS = {
    "as written": lambda w, p: w.format(e=repr(p)) + "\n",
    "a constant": lambda w, p: f"SETTING = {p!r}\n" + w.format(e="SETTING") + "\n",
    "an f-string": lambda w, p: (f"D = {_folder(p)!r}\n"
                                 + w.format(e='f"{D}/ai-engine.env"') + "\n"),
    "a parameter": lambda w, p: f"def f(p):\n    {w.format(e='p')}\n\n\nf({p!r})\n",
    "a keyword argument": lambda w, p: (f"def f(n, p=None):\n    {w.format(e='p')}\n\n\n"
                                        f"f(1, p={p!r})\n"),
    "a method": lambda w, p: (f"class S:\n    def f(self, p):\n        {w.format(e='p')}\n\n\n"
                              f"S().f({p!r})\n"),
    "two functions": lambda w, p: (f"def f(p):\n    {w.format(e='p')}\n\n\n"
                                   f"def g(q):\n    f(q)\n\n\ng({p!r})\n"),
    "a folder parameter": lambda w, p: (f"def f(d):\n    {w.format(e=JOINED)}\n\n\n"
                                        f"f({_folder(p)!r})\n"),
    "os.chdir": lambda w, p: (f"os.chdir({_folder(p)!r})\n" + w.format(
        e="'ai-engine.env'").replace('"staged/', '"{repo}/staged/') + "\n"),
}

def _in_lambda(w: str, p: str) -> str:
    if w.startswith("for "):  # a statement: a function of one parameter instead
        return f"def f(p):\n    {w.format(e='p')}\n\n\nf({p!r})\n"
    return f"f = lambda p: {w.format(e='p')}\nf({p!r})\n"


# the ways a path's value reaches the writer that only a value-set reading knows
PY_GRID_VALUE_WAYS = {
    "a conditional's default": lambda w, p: (
        f"import sys\nP = sys.argv[9] if len(sys.argv) > 9 else {p!r}\n"
        + w.format(e="P") + "\n"),
    "an environment lookup or the path": lambda w, p: (
        f"P = os.environ.get('QT_NOT_SET') or {p!r}\n" + w.format(e="P") + "\n"),
    "a list iterated": lambda w, p: (
        f"for p in ['/nonexistent/x.env', {p!r}][1:]:\n    {w.format(e='p')}\n"),
    "a dict subscripted": lambda w, p: (
        f"D = {{'a': {p!r}, 'b': '/nonexistent/x.env'}}\n" + w.format(e="D['a']") + "\n"),
    "a tuple unpacked": lambda w, p: (
        f"_, P = '/nonexistent/x.env', {p!r}\n" + w.format(e="P") + "\n"),
    "a lambda": _in_lambda,
    "self.p of a class": lambda w, p: (
        "class S:\n    def __init__(self, p):\n        self.p = p\n\n"
        f"    def run(self):\n        {w.format(e='self.p')}\n\n\nS({p!r}).run()\n"),
    "a glob of the folder": lambda w, p: (
        f"import glob\nfor p in glob.glob({_folder(p) + '/ai-*.env'!r}):\n"
        f"    {w.format(e='p')}\n"),
}
PY_GRID_WAYS.update(PY_GRID_VALUE_WAYS)
PY_GRID = [(writer, way, where) for writer in PY_GRID_WRITERS for way in PY_GRID_WAYS
           for where in ("{env}", "{other}")]


@pytest.mark.parametrize(("writer", "way", "where"), PY_GRID)
def test_qt601_reports_each_python_writer_exactly_when_it_writes(
        tmp_path_factory: pytest.TempPathFactory, writer: str, way: str, where: str) -> None:
    root = tmp_path_factory.mktemp("w")
    text = ("import codecs, fileinput, os, pathlib, shutil, subprocess\n\n"
            + PY_GRID_WAYS[way](PY_GRID_WRITERS[writer], f"{where}/ai-engine.env"))
    wrote, found = _judged(root, "ops/x.py", text.replace("{repo}", str(root / "repo")),
                           [sys.executable])
    assert all("writes the model setting" in f for f in found), found
    assert bool(found) == wrote, (text, wrote, found)
    assert wrote == (where == "{env}"), text  # the variant does what it says


_OFF = {"disabled", "false", "0", "no", "off"}
_ON = {"enabled", "true", "1", "yes", "on"}


def _switched(printed: str) -> list[str]:
    """The environment lines that switch activation on or shadow mode off."""
    out = []
    for line in printed.splitlines():
        key, sep, value = line.partition("=")
        upper = key.upper()
        activates = ("AUTO_ACTIVAT" in upper or "AUTO_PROMOT" in upper) and value not in _OFF
        unshadowed = upper == "SHADOW_MODE" and value not in _ON
        if sep and (activates or unshadowed):
            out.append(line)
    return out


@pytest.mark.parametrize("name", sorted(MAKE_SWITCH_VARIANTS))
def test_qt601_reports_a_makefile_switch_exactly_when_it_reaches_the_recipe(
        tmp_path_factory: pytest.TempPathFactory, name: str) -> None:
    root = tmp_path_factory.mktemp("w")
    c = _contract(root)
    _tree(root)
    makefile = root / "repo/Makefile"
    makefile.write_text(MAKE_SWITCH_VARIANTS[name])
    run = subprocess.run(["make", "-s", "-f", str(makefile)], cwd=root / "repo",
                         capture_output=True, text=True, timeout=20, check=False,
                         env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    reached = _switched(run.stdout)
    config = Config(root=root / "repo", select=("QT601",), contract=c)
    found = [f"{f.line}:{f.column}: {f.message}"
             for f in check([makefile], config, jobs=1).findings]
    assert all("the contract requires" in f for f in found), found
    assert bool(found) == bool(reached), (name, reached, found)


@pytest.mark.parametrize("name", sorted(PY_VARIANTS))
def test_qt601_reports_python_exactly_when_cpython_writes_the_setting(
        tmp_path_factory: pytest.TempPathFactory, name: str) -> None:
    root = tmp_path_factory.mktemp("w")
    wrote, found = _judged(root, "ops/x.py", PY_VARIANTS[name], [sys.executable])
    assert all("writes the model setting" in f for f in found), found
    assert bool(found) == wrote, (name, wrote, found)



# the copiers' grammar word by word: (command line, operands, folders, -T, install -d)
GRAMMAR = [
    ("install -m 0640 src /etc/quantum/", ["src", "/etc/quantum/"], [], False, False),
    ("install src dst -m 0640", ["src", "dst"], [], False, False),
    ("install -Dm0640 src dst", ["src", "dst"], [], False, False),
    ("install -o qt -g qt --mode=0640 src dst", ["src", "dst"], [], False, False),
    ("install --mode 0640 -S .bak src dst", ["src", "dst"], [], False, False),
    ("install -d -m 0750 a b", ["a", "b"], [], False, True),
    ("install -vt /etc/quantum src", ["src"], ["/etc/quantum"], False, False),
    ("cp --target-directory /etc/quantum a b", ["a", "b"], ["/etc/quantum"], False, False),
    ("cp --targ=/etc/quantum a", ["a"], ["/etc/quantum"], False, False),
    ("cp -S .orig --backup=simple a b", ["a", "b"], [], False, False),
    ("cp --suffix .orig --preserve=mode a b", ["a", "b"], [], False, False),
    ("cp --sparse always a b", ["a", "b"], [], False, False),
    ("mv -T -f a b", ["a", "b"], [], True, False),
    ("mv -- -a b", ["-a", "b"], [], False, False),
    ("ln -sfn a b", ["a", "b"], [], False, False),
]


@pytest.mark.parametrize(("line", "operands", "folders", "no_target", "directories"), GRAMMAR)
def test_copy_operands_reads_coreutils_option_grammar(
        line: str, operands: list[str], folders: list[str], no_target: bool,
        directories: bool) -> None:
    from qt_lint.command_model import Word, copy_operands

    words = tuple(Word(t, 1, 1) for t in line.split())
    read = copy_operands(words[0].text, words[1:])
    assert read is not None
    assert [w.text for w in read.operands] == operands
    assert [w.text for w in read.folders] == folders
    assert (read.no_target, read.directories) == (no_target, directories)


# the switches: what bash sets (in the shell, or in a child's environment) decides
SWITCH_VARIANTS: dict[str, str] = {
    "export \"AUTO_ACTIVATION=enabled\"": 'export "AUTO_ACTIVATION=enabled"\n',
    "export 'QT_AUTO_PROMOTE=1'": "export 'QT_AUTO_PROMOTE=1'\n",
    "declare -x \"SHADOW_MODE=disabled\"": 'declare -x "SHADOW_MODE=disabled"\n',
    "typeset -x \"SHADOW_MODE\"=off": 'typeset -x "SHADOW_MODE"=off\n',
    "export \"AUTO_ACTIVATION=disabled\"": 'export "AUTO_ACTIVATION=disabled"\n',
    "export AUTO_ACTIVATION=enabled": "export AUTO_ACTIVATION=enabled\n",
    "readonly QT_AUTO_PROMOTE=yes": "readonly QT_AUTO_PROMOTE=yes\n",
    "readonly -x QT_AUTO_PROMOTE=yes (invalid option)": (
        "readonly -x QT_AUTO_PROMOTE=yes 2>/dev/null\n"),
    "export -Q AUTO_ACTIVATION=on (invalid option)": (
        "export -Q AUTO_ACTIVATION=on 2>/dev/null\n"),
    "declare -x in a function called": (
        'f() { declare -gx "SHADOW_MODE=disabled"; }\nf\n'),
    "SHADOW_MODE=disabled prefix": "SHADOW_MODE=disabled sh -c 'echo SHADOW_MODE=$SHADOW_MODE'\n",
    "echo \"SHADOW_MODE=disabled\"": 'echo "# SHADOW_MODE=disabled is refused" >/dev/null\n',
}
_SHOW = ('for v in AUTO_ACTIVATION SHADOW_MODE QT_AUTO_PROMOTE; do\n'
         '    [ -n "${!v+x}" ] && echo "$v=${!v}"\ndone\n')


@pytest.mark.parametrize("name", sorted(SWITCH_VARIANTS))
def test_qt601_reports_a_switch_exactly_when_bash_sets_it(tmp_path: Path, name: str) -> None:
    from qt_lint.rules.models.qt601_auto_activation import switch_of, switch_ok

    root = tmp_path
    c = _contract(root)
    (root / "repo/ops").mkdir(parents=True)
    script = root / "repo/ops/x.sh"
    script.write_text(SWITCH_VARIANTS[name])
    run = root / "run.sh"
    run.write_text(SWITCH_VARIANTS[name] + _SHOW)
    done = subprocess.run(["bash", str(run)], capture_output=True, text=True, timeout=20,
                          check=False, stdin=subprocess.DEVNULL,
                          env={"PATH": "/usr/bin:/bin"})
    bad = []
    for line in done.stdout.splitlines():
        key, _, value = line.partition("=")
        switch = switch_of(key)
        if switch is not None and not switch_ok(switch, value):
            bad.append(line)
    config = Config(root=root / "repo", select=("QT601",), contract=c)
    found = [f"{f.line}:{f.column}: {f.message}" for f in check([script], config,
                                                                jobs=1).findings]
    assert bool(found) == bool(bad), (name, bad, found)


def test_qt601_names_the_path_a_pattern_rule_writes_as_make_expands_it(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """`$*` of a pattern rule run for a prerequisite it matches is that target's stem: the
    message names the file make writes (it read `${MAKE__}` for it)."""
    root = tmp_path_factory.mktemp("w")
    text = MAKE_VARIANTS["a pattern rule's $*"]
    wrote, found = _judged(root, "Makefile", text, ["make", "-s", "-f"])
    assert wrote
    env = _contract(root).env_dir
    assert found == [f"3:{len(MAKE_SED) + 3}: writes the model setting ({env}/ai-engine.env) "
                     "outside canary_activate.sh: activation by other means"], found


# the strings a word may stand for, each way a path reaches `sed -i` (or another writer)
# run by bash with the setting's path and with a path elsewhere: {p} the path, {d} its folder
VSED = "sed -i 's/^MODEL_PATH=.*/MODEL_PATH=x/'"
VALUE_WAYS: dict[str, str] = {
    "${1:?msg} in a function": 'setw() { VSED "${1:?path}"; }\nsetw {p}\n',
    "${@: -1} in a function": 'setw() { VSED "${@: -1}"; }\nsetw staged/none {p} 2>/dev/null\n',
    "${@:2} in a function": 'setw() { VSED "${@:2}"; }\nsetw staged/none {p}\n',
    "local -a fs=(\"$@\")": 'setw() { local -a fs=("$@"); VSED "${fs[@]}"; }\nsetw {p}\n',
    "the call's word a command substitution": (
        'setw() { local f="$1"; VSED "$f"; }\nsetw "$(echo {p})"\n'),
    "for f; do (implicit \"$@\")": 'setw() { for f; do VSED "$f"; done; }\nsetw {p}\n',
    "for f in \"$@\" in a function": 'setw() { for f in "$@"; do VSED "$f"; done; }\nsetw {p}\n',
    "f=${1:-PATH} run with no args": 'f=${1:-{p}}\nVSED "$f"\n',
    "f=${UNSET:-PATH}": 'f="${NOPE:-{p}}"\nVSED "$f"\n',
    ": ${T:=PATH}": ': "${T:={p}}"\nVSED "$T"\n',
    "${T-PATH} inline": 'VSED "${T-{p}}"\n',
    "${1:-PATH} in a function called bare": 'setw() { VSED "${1:-{p}}"; }\nsetw\n',
    "mapfile -t F <<< PATH": 'mapfile -t F <<< {p}\nVSED "${F[0]}"\n',
    "readarray -t F <<< PATH, all": 'readarray -t F <<< "{p}"\nVSED "${F[@]}"\n',
    "mapfile from a heredoc": 'mapfile -t F <<EOF\n{p}\nEOF\nVSED "${F[@]}"\n',
    "declare -a F; F[0]=PATH": 'declare -a F\nF[0]={p}\nVSED "${F[0]}"\n',
    "F[1]=PATH after F=(...)": 'F=(staged/none)\nF[1]={p}\nVSED "${F[1]}"\n',
    "declare -A M=([k]=PATH)": 'declare -A M=([ai]={p})\nVSED "${M[ai]}"\n',
    "declare -A M; M[k]=PATH": 'declare -A M\nM[ai]={p}\nVSED "${M[ai]}"\n',
    "IFS=: read -ra F <<< PATH": 'IFS=: read -ra F <<< "{p}"\nVSED "${F[0]}"\n',
    "read -r a b <<< \"x PATH\"": 'read -r a b <<< "x {p}"\nVSED "$b"\n',
    "IFS= read -r F <<EOF": 'IFS= read -r F <<EOF\n{p}\nEOF\nVSED "$F"\n',
    "read -r F <<< $(echo PATH)": 'read -r F <<< "$(echo {p})"\nVSED "$F"\n',
    "C-style for over an array": 'L=({p})\nfor ((i=0;i<1;i++)); do VSED "${L[i]}"; done\n',
    "for i in ${!F[@]}": 'F=({p})\nfor i in "${!F[@]}"; do VSED "${F[$i]}"; done\n',
    "while read -r f; done <<< PATH": 'while read -r f; do VSED "$f"; done <<< {p}\n',
    "while read; done <<EOF": 'while IFS= read -r f; do\n  VSED "$f"\ndone <<EOF\n{p}\nEOF\n',
    "printf | while read -r f": "printf '%s\\n' {p} | while read -r f; do VSED \"$f\"; done\n",
    "while read; done < <(echo PATH)": 'while read -r f; do VSED "$f"; done < <(echo {p})\n',
    "find | while read -r f": (
        'find {d} -type f -name ai-engine.env | while read -r f; do VSED "$f"; done\n'),
    "find -print0 | while read -d ''": (
        "find {d} -name '*.env' -print0 | while IFS= read -r -d '' f; do VSED \"$f\"; done\n"),
    "f=$(cat <<EOF)": 'f=$(cat <<EOF\n{p}\nEOF\n)\nVSED "$f"\n',
    "VSED $(echo PATH)": "VSED $(echo {p})\n",
    "VSED \"$(printf '%s' PATH)\"": "VSED \"$(printf '%s' {p})\"\n",
    "f=`echo PATH`": 'f=`echo {p}`\nVSED "$f"\n',
    "${!n} indirection": 'p={p}\nn=p\nVSED "${!n}"\n',
    "declare -n r=p": 'p={p}\ndeclare -n r=p\nVSED "$r"\n',
    "set -- PATH; $1": 'set -- {p}\nVSED "$1"\n',
    "printf '%s\\0' | xargs -0": "printf '%s\\0' {p} | xargs -0 VSED\n",
    "eval \"f=PATH\"": 'eval "f={p}"\nVSED "$f"\n',
    # forms of the same strings the review did not run
    "IFS=, read -r a b <<< \"x,PATH\"": 'IFS=, read -r a b <<< "x,{p}"\nVSED "$b"\n',
    "printf into a list, while read < list": (
        "L=$(mktemp)\nprintf '%s\\n' {p} > \"$L\"\n"
        'while IFS= read -r f; do VSED "$f"; done < "$L"\n'),
    "mapfile -t F < <(printf ...)": (
        "mapfile -t F < <(printf '%s\\n' {p})\nVSED \"${F[@]}\"\n"),
    "read -r f < <(echo PATH)": 'read -r f < <(echo {p})\nVSED "$f"\n',
    "for f in $(echo PATH)": 'for f in $(echo {p}); do VSED "$f"; done\n',
    "${T:-$DEFAULT}": 'DEFAULT={p}\nVSED "${T:-$DEFAULT}"\n',
    "for k in ${!M[@]} of an associative array": (
        'declare -A M\nM[ai]={p}\nfor k in "${!M[@]}"; do VSED "${M[$k]}"; done\n'),
    "set -- PATH; for f; do": 'set -- {p}\nfor f; do VSED "$f"; done\n',
    "exec 4>&1 >PATH, then echo": "exec 4>&1 >>{p}\necho MODEL_PATH=x\n",
    "printf -v f '%s' PATH": "printf -v f '%s' {p}\nVSED \"$f\"\n",
    "$(dirname PATH)/ai-engine.env": 'D=$(dirname {p})\nVSED "$D/ai-engine.env"\n',
    "$(cat LIST)": 'L=staged/list\necho {p} > "$L"\nVSED "$(cat "$L")"\n',
    "readarray < <(find ... -name)": (
        "readarray -t F < <(find {d} -name 'ai-engine.env')\nVSED \"${F[@]}\"\n"),
    "local -n r=$1": 'setw() { local -n r=$1; VSED "$r"; }\np={p}\nsetw p\n',
    "read <<< \"$(printf PATH)\"": "read -r f <<< \"$(printf '%s' {p})\"\nVSED \"$f\"\n",
    "while read < <(ls GLOB)": 'while read -r f; do VSED "$f"; done < <(ls {d}/ai-*.env)\n',
    "find -print | xargs": "find {d} -name 'ai-engine.env' -print | xargs VSED\n",
    "find -print0 | xargs -0": "find {d} -name '*.env' -print0 | xargs -0 VSED\n",
    "${1:-PATH} in a function given PATH": 'setw() { VSED "${1:-staged/none}"; }\nsetw {p}\n',
    "alias (expand_aliases)": 'shopt -s expand_aliases\nalias setw="VSED"\nsetw {p}\n',
    "xargs -a FILE": 'L=$(mktemp)\necho {p} > "$L"\nxargs -a "$L" VSED\n',
    "mapfile < FILE": 'L=$(mktemp)\necho {p} > "$L"\nmapfile -t F < "$L"\nVSED "${F[@]}"\n',
    "xargs -I{} sh -c": (
        'echo {p} | xargs -I{} sh -c "sed -i \'s/^MODEL_PATH=.*/MODEL_PATH=x/\' {}"\n'),
}
VALUE_WRITERS: dict[str, str] = {
    "exec >>PATH, then echo": "exec >>{p}\necho MODEL_PATH=x\n",
    "exec 1>>PATH, then printf": "exec 1>>{p}\nprintf 'MODEL_PATH=%s\\n' x\n",
    "exec > PATH, then cat a heredoc": "exec > {p}\ncat <<EOF\nMODEL_PATH=x\nEOF\n",
    "exec {fd}>>PATH, >&$fd": 'exec {fd}>>{p}\necho MODEL_PATH=x >&"$fd"\n',
    "exec {fd}>>PATH, >&$fd unquoted": "exec {fd}>>{p}\necho XGB_WEIGHT=0.1 >&$fd\n",
    "exec 3<>PATH, >&3": "exec 3<>{p}\necho MODEL_PATH=x >&3\n",
    "ex -s PATH, its commands on stdin": (
        "printf '%s\\n' '%s/^MODEL_PATH=.*/MODEL_PATH=x/' wq | ex -s {p}\n"),
    "python3 -c sys.argv[2]": (
        "python3 -c 'import sys; open(sys.argv[2], \"a\").write(\"MODEL_PATH=x\\n\")' x {p}\n"),
    "python3 - PATH <<'PY'": (
        "python3 - {p} <<'PY'\nimport sys\nopen(sys.argv[1], 'a').write('MODEL_PATH=x\\n')\nPY\n"),
    "env F=PATH python3 -c os.environ.get": (
        "env F={p} python3 -c 'import os; open(os.environ.get(\"F\"), \"a\")"
        ".write(\"MODEL_PATH=x\\n\")'\n"),
    "exec > >(tee -a PATH), then echo": "exec > >(tee -a {p})\necho MODEL_PATH=x\nsleep 0.2\n",
    "{ ... } >> PATH over lines": "{\n  echo MODEL_PATH=x\n} >> {p}\n",
    "a function's output >> PATH": "w() { echo MODEL_PATH=x; }\nw >> {p}\n",
    "a loop's output > PATH": "for k in MODEL_PATH; do\n  echo \"$k=x\"\ndone > {p}\n",
    "sed s///w PATH": "echo | sed -n 's/^/MODEL_PATH=x/w {p}'\n",
    "sed w PATH": "sed -n '/MODEL/w {p}' staged/model.env\n",
    "python3 -c sys.argv[1] PATH": (
        "python3 -c 'import sys; open(sys.argv[1], \"a\").write(\"MODEL_PATH=x\\n\")' {p}\n"),
    "F=PATH python3 -c os.environ": (
        "F={p} python3 -c 'import os; open(os.environ[\"F\"], \"a\")"
        ".write(\"MODEL_PATH=x\\n\")'\n"),
    "python3 - \"$F\" <<'PY' sys.argv": (
        "F={p}\npython3 - \"$F\" <<'PY'\nimport sys\n"
        "open(sys.argv[1], 'a').write('MODEL_PATH=x\\n')\nPY\n"),
}
VALUE_GRID = [(kind, name, where) for kind, table in (("way", VALUE_WAYS),
                                                      ("writer", VALUE_WRITERS))
              for name in table for where in ("{env}", "{other}")]


@pytest.mark.parametrize(("kind", "name", "where"), VALUE_GRID)
def test_qt601_reports_each_value_a_word_may_take_exactly_when_bash_writes(
        tmp_path_factory: pytest.TempPathFactory, kind: str, name: str, where: str) -> None:
    root = tmp_path_factory.mktemp("w")
    table = VALUE_WAYS if kind == "way" else VALUE_WRITERS
    text = (table[name].replace("VSED", VSED).replace("{p}", f"{where}/ai-engine.env")
            .replace("{d}", where))
    wrote, found = _judged(root, "ops/x.sh", "#!/bin/bash\n" + text, ["bash"])
    assert all("writes the model setting" in f for f in found), found
    assert bool(found) == wrote, (text, wrote, found)
    assert wrote == (where == "{env}"), text  # the variant does what it says


# a word whose value is not known is not a finding
UNKNOWN_VALUES: dict[str, str] = {
    "read from the caller's input": 'read -r f || true\nVSED "$f" 2>/dev/null || true\n',
    "a command's output": 'f=$(ls {env} | head -0)\nVSED "$f" 2>/dev/null || true\n',
    "${1:-elsewhere}": 'f=${1:-{other}/ai-engine.env}\nVSED "$f"\n',
    "${X:+PATH}, X unset": 'VSED "${NOPE:+{env}/ai-engine.env}" 2>/dev/null || true\n',
    "an alias without expand_aliases": (
        'alias setw="VSED"\nsetw {env}/ai-engine.env 2>/dev/null || true\n'),
    "exec >> elsewhere, then echo": 'exec >>{other}/ai-engine.env\necho MODEL_PATH=x\n',
    "exec >> the setting, closed by exec >/dev/null": (
        'exec 3>&1 >>{env}/ai-engine.env\nexec >&3\necho MODEL_PATH=x\n'),
    "ls of a folder piped to xargs": (
        'ls {env} | xargs -I{} echo {} >/dev/null\n'),
    "printf -v of another path": "printf -v f '%s' {other}/ai-engine.env\nVSED \"$f\"\n",
    "exec >> the setting, then a line naming no model": (
        'exec >>{env}/ai-engine.env\necho LOG_LEVEL=DEBUG\n'),
    "a heredoc read naming another path": (
        'IFS= read -r F <<EOF\n{other}/ai-engine.env\nEOF\nVSED "$F"\n'),
    "while read over lines elsewhere": (
        "printf '%s\\n' {other}/ai-engine.env {other}/backend.env | "
        'while read -r f; do VSED "$f" 2>/dev/null || true; done\n'),
    "exec {fd}>> the setting, echo to standard output": (
        'exec {fd}>>{env}/ai-engine.env\necho MODEL_PATH=x\n'),
    "exec {fd}>> PATH, >&$fd unquoted": (
        'exec {fd}>>{env}/ai-engine.env\necho LOG_LEVEL=x >&$fd\n'),
    "mapfile of a file elsewhere": (
        'mapfile -t F < staged/model.env\nVSED "${F[@]}" 2>/dev/null || true\n'),
}


@pytest.mark.parametrize("name", sorted(UNKNOWN_VALUES))
def test_qt601_invents_no_value_for_a_word(
        tmp_path_factory: pytest.TempPathFactory, name: str) -> None:
    root = tmp_path_factory.mktemp("w")
    text = UNKNOWN_VALUES[name].replace("VSED", VSED)
    wrote, found = _judged(root, "ops/x.sh", "#!/bin/bash\n" + text, ["bash"])
    assert not wrote, text
    assert not found, (text, found)
