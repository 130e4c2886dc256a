from hotline.cli.main import run

run()
