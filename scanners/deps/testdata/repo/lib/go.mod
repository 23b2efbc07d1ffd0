module example.com/lib

go 1.21

require (
	golang.org/x/text v0.3.8 // indirect
)
