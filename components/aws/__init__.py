"""components/aws"""
