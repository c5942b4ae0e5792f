# Build the culler desktop bundle on Windows into dist\culler\ (culler.exe windowed, culler-cli.exe
# for the subcommands). Mirrors packaging/build.sh; NOT yet run on Windows (see packaging/README.md).
#   powershell -ExecutionPolicy Bypass -File packaging\build.ps1
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")
$py = ".venv\Scripts\python.exe"
if (-not (Test-Path $py)) { throw "build: no .venv here; create it as the README's quick start says" }
& $py -c "import PyInstaller" 2>$null
if ($LASTEXITCODE -ne 0) {
    Write-Host "build: installing PyInstaller into .venv (packaging\requirements.txt)"
    & $py -m pip install -q --disable-pip-version-check -c constraints.txt -r packaging\requirements.txt
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}
if (Test-Path dist\culler) { Remove-Item -Recurse -Force dist\culler }
$watch = [Diagnostics.Stopwatch]::StartNew()
& $py -m PyInstaller --noconfirm --distpath dist --workpath build --log-level WARN packaging\culler.spec
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
$mb = [math]::Round((Get-ChildItem dist\culler -Recurse -File | Measure-Object Length -Sum).Sum / 1MB)
Write-Host "build: dist\culler\ ($mb MB) built in $([int]$watch.Elapsed.TotalSeconds) s; run dist\culler\culler.exe --demo"
