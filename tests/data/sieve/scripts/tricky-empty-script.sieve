# nothing at all: implicit keep
