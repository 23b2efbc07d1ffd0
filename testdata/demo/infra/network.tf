resource "aws_security_group" "ssh" {
  name        = "demo-ssh"
  description = "SSH to the demo service"

  ingress {
    description = "ssh"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
