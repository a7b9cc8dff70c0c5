"""What each command of ``ltvcac`` does, as library functions: check the outputs, compute, write, and
return the text to show and the files written. The command line only parses options and prints."""
