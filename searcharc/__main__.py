from searcharc.cli.launch import main

main()
