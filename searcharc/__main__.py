from searcharc.launch import main

main()
