from cdhub.cli import app

app(prog_name="cdhub")
