"""components/gcp"""
