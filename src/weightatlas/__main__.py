from weightatlas.cli import main

main()
