# Builds the Windows installer of Takt Control Room, in one command (PowerShell, from the
# repository's top folder):
#
#     powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
#
# 1. a virtual environment .venv-win with the program and its build tools (no torch: the
#    installer uses the ONNX detector on onnxruntime)
# 2. the PyInstaller bundle dist\takt (takt-gui.exe, takt.exe, _internal\)
# 3. the bundle's self-test
# 4. the installer dist\takt-control-room-<version>-setup.exe (Inno Setup 6)
# See BUILDING-WINDOWS.md.
$ErrorActionPreference = "Stop"
$top = Resolve-Path (Join-Path $PSScriptRoot "..\..")
Set-Location $top

$venv = Join-Path $top ".venv-win"
if (-not (Test-Path "$venv\Scripts\python.exe")) {
    py -3.11 -m venv $venv
}
& "$venv\Scripts\python.exe" -m pip install --upgrade pip
& "$venv\Scripts\python.exe" -m pip install -e ".[dev]"
if ($LASTEXITCODE -ne 0) { throw "pip install failed" }

$started = Get-Date
& "$venv\Scripts\pyinstaller.exe" --noconfirm --log-level WARN `
    --distpath dist --workpath build\pyinstaller packaging\takt.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
$bundleSeconds = ((Get-Date) - $started).TotalSeconds

$env:QT_QPA_PLATFORM = "offscreen"
& "dist\takt\takt.exe" --self-test
if ($LASTEXITCODE -ne 0) { throw "the bundle's self-test failed" }
Remove-Item Env:\QT_QPA_PLATFORM

$version = (Get-Content dist\VERSION).Trim()
$iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $iscc) { $iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
if (-not (Test-Path $iscc)) { throw "Inno Setup 6 (ISCC.exe) was not found: install it from jrsoftware.org" }
& $iscc "/DAppVersion=$version" "/DDistDir=$top\dist\takt" "/DOutputDir=$top\dist" `
    packaging\windows\takt.iss
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }

$setup = Get-Item "dist\takt-control-room-$version-setup.exe"
$bundleMB = [math]::Round(((Get-ChildItem dist\takt -Recurse | Measure-Object Length -Sum).Sum) / 1MB)
Write-Host ("bundle: {0} MB in {1:N0} s; installer: {2} ({3} MB)" -f `
    $bundleMB, $bundleSeconds, $setup.Name, [math]::Round($setup.Length / 1MB))
