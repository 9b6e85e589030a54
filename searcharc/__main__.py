from searcharc.cli import main

main()
